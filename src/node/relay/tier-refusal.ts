// What a relayed request from a peer gets when its trust tier's allowance here is spent
// (src/node/trust/peer-allowance.ts): the same checks and codes for calls, reads, prompts,
// completions and resource subscriptions, counted together per peer.
import type { CallError } from "../../protocol/messages/relay.ts";
import type { RateLimiter } from "../access/limits/limiter.ts";
import { AccessErrorCode } from "../access/policy/denials.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { Config } from "../settings/config.ts";
import { checkAllowance, type AllowancePort, type Charge } from "../trust/peer-allowance.ts";
import type { TrustStandings } from "../trust/standing.ts";
import { refusal } from "../calls/refusals.ts";

export interface TierPort {
  trust: TrustStandings;
  config: Pick<Config, "trust">;
  access: { limits: Pick<RateLimiter, "countWithin"> };
  ledger: Pick<Ledger, "owedBy">;
}

/** The per-tier limits of a peer's requests, over this node's counters and ledger. */
export function allowance(s: TierPort): AllowancePort {
  return { trust: s.trust, limits: s.config.trust, counter: s.access.limits, owed: (peer, unit) => s.ledger.owedBy(peer, unit) };
}

/** Undefined when the request may go ahead (and it is counted); else the refusal, which counted nothing. */
export async function tierRefusal(s: TierPort, from: string, charge: Charge | undefined): Promise<CallError | undefined> {
  const over = await checkAllowance(allowance(s), from, charge);
  if (!over) return undefined;
  // A client waits out a rate or a quota as it waits out the node's own limits.
  return refusal(over.code, over.message, over.code === "credit_limit" ? undefined : AccessErrorCode.RateLimited);
}
