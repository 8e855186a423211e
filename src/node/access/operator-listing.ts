// The access lists as the operator's Access page reads them: the first rows of each (clients,
// API tokens, policy rules in the order they are tried, rate limits, grants newest first) and how
// many each holds, counted in the store, so the page costs its rows and not the whole lists.
import type { Database } from "../../store/database.ts";
import { accessCounts } from "../../store/access/list-counts.ts";
import { grantView, listGrants } from "../../store/access/grants.ts";
import type { Access } from "./access.ts";
import { apiTokenView, listApiTokens } from "./credentials/api-tokens.ts";
import { clientView, listClients } from "./oauth/clients.ts";

type Port = { db: Database; access: Pick<Access, "policy" | "limits"> };

export async function accessListing(s: Port, limit: number) {
  const [clients, tokens, rules, limits, grants, total] = await Promise.all([
    listClients(s.db, limit),
    listApiTokens(s.db, limit),
    s.access.policy.list(limit),
    s.access.limits.list(limit),
    listGrants(s.db, { limit }),
    accessCounts(s.db),
  ]);
  return { clients: clients.map(clientView), tokens: tokens.map(apiTokenView), rules, limits, grants: grants.map(grantView), total };
}
