// mcpfed: the operator's command line, a client of the node's admin API.
// `npm run cli -- <command>`, or `npx mcpfed <command>` through scripts/mcpfed.js.
import { alertCommands } from "./commands/alerts.ts";
import { auditCommands } from "./commands/audit.ts";
import { backupCommands } from "./commands/backup.ts";
import { configCommands } from "./commands/config.ts";
import { clientCommands } from "./commands/clients.ts";
import { grantCommands } from "./commands/grants.ts";
import { identityCommands } from "./commands/identity.ts";
import { itemCommands } from "./commands/items.ts";
import { invocationCommands } from "./commands/invocations.ts";
import { ledgerCommands } from "./commands/ledger.ts";
import { moneyCommands } from "./commands/money.ts";
import { settlementCommands } from "./commands/settlements.ts";
import { limitCommands } from "./commands/limits.ts";
import { budgetCommands } from "./commands/budgets.ts";
import { agentCommands } from "./commands/agents.ts";
import { boardCommands } from "./commands/board.ts";
import { paymentTokenCommands } from "./commands/payment-tokens.ts";
import { peerCommands } from "./commands/peers.ts";
import { policyCommands } from "./commands/policy.ts";
import { providerGroupCommands } from "./commands/provider-groups.ts";
import { registryCommands } from "./commands/registry.ts";
import { sharingCommands } from "./commands/sharing.ts";
import { tickCommands } from "./commands/tick.ts";
import { clearingCommands } from "./commands/clearing.ts";
import { tokenCommands } from "./commands/tokens.ts";
import { toolCommands } from "./commands/tools.ts";
import { definitionChangeCommands } from "./commands/definition-changes.ts";
import { trustCommands } from "./commands/trust.ts";
import { packageCommands } from "./commands/packages.ts";
import { upstreamCommands } from "./commands/upstreams.ts";
import { routeCommands } from "./commands/routes.ts";
import type { Command } from "./framework/command.ts";
import { run } from "./framework/run.ts";

// The order here is the order of the help overview.
const commands: Command[] = [
  ...upstreamCommands,
  ...toolCommands,
  ...definitionChangeCommands,
  ...itemCommands,
  ...identityCommands,
  ...peerCommands,
  ...sharingCommands,
  ...providerGroupCommands,
  ...registryCommands,
  ...invocationCommands,
  ...tickCommands,
  ...clearingCommands,
  ...tokenCommands,
  ...clientCommands,
  ...policyCommands,
  ...limitCommands,
  ...budgetCommands,
  ...agentCommands,
  ...boardCommands,
  ...grantCommands,
  ...auditCommands,
  ...alertCommands,
  ...ledgerCommands,
  ...moneyCommands,
  ...settlementCommands,
  ...paymentTokenCommands,
  ...trustCommands,
  ...packageCommands,
  ...routeCommands,
  ...backupCommands,
  ...configCommands,
];

process.exitCode = await run(process.argv.slice(2), commands);
