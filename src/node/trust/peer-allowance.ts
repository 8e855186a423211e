// What a peer may use of this node as a provider, by its trust tier: federated calls per minute
// (TRUST_RATE_LIMITS) and credit (TRUST_CREDIT_LIMITS), checked before an upstream runs. A call
// over either is refused with its own code and changes nothing: the credit check writes nothing,
// and a call is counted against the rate only once it passed the credit check and the count.
import type { Quote } from "../../protocol/ledger/pricing.ts";
import type { TrustStandings } from "./standing.ts";

/** A per-tier limit applies to one window of this many seconds. */
export const RATE_WINDOW_SECONDS = 60;

export interface AllowancePort {
  trust: TrustStandings;
  /** config.trust's (src/node/settings/config.ts): a tier without an entry has no limit. */
  limits: { rateLimits: ReadonlyMap<string, number>; creditLimits: ReadonlyMap<string, number> };
  /** Fixed-window counts in the store, shared by every process (src/node/access/limits/limiter.ts). */
  counter: {
    peek(key: string, windowSeconds: number): Promise<number>;
    count(key: string, windowSeconds: number): Promise<{ count: number; retryAfterSeconds: number }>;
  };
  /** What the peer owes this node in a currency unit (the ledger's records). */
  owed(peer: string, unit: string): Promise<number>;
}

/** What a call adds to the peer's debt: none for a free call or one under a grant or subscription. */
export interface Charge {
  amount: number;
  unit: string;
}

export type AllowanceRefusal = { code: "rate_limited"; message: string; retryAfterSeconds: number } | { code: "credit_limit"; message: string };

/** Undefined when the call may go ahead; else why not. */
export async function checkAllowance(s: AllowancePort, peer: string, charge: Charge | undefined): Promise<AllowanceRefusal | undefined> {
  const { rateLimits, creditLimits } = s.limits;
  // Without per-tier limits a call costs no lookup at all.
  if (rateLimits.size === 0 && (creditLimits.size === 0 || !charge)) return undefined;
  const { tier } = await s.trust.of(peer);
  const credit = charge && creditLimits.get(tier.name);
  if (charge && credit !== undefined) {
    const owed = await s.owed(peer, charge.unit);
    if (owed + charge.amount > credit) {
      return {
        code: "credit_limit",
        message: `credit limit: this node's ${tier.name} peers may owe it ${credit} ${charge.unit}; this one owes ${owed} and the call costs ${charge.amount}. Settle, or call under a subscription`,
      };
    }
  }
  const rate = rateLimits.get(tier.name);
  if (rate === undefined) return undefined;
  const key = `trust-rate|${peer}`;
  const refusal = (retryAfterSeconds: number): AllowanceRefusal => ({
    code: "rate_limited",
    message: `rate limited: this node takes ${rate} calls per minute from its ${tier.name} peers; retry after ${retryAfterSeconds} s`,
    retryAfterSeconds,
  });
  // A look first, so that a call refused for its rate is not counted; the count then settles races.
  if ((await s.counter.peek(key, RATE_WINDOW_SECONDS)) >= rate) return refusal(retryAfter());
  const { count, retryAfterSeconds } = await s.counter.count(key, RATE_WINDOW_SECONDS);
  return count > rate ? refusal(retryAfterSeconds) : undefined;
}

function retryAfter(): number {
  const windowMs = RATE_WINDOW_SECONDS * 1000;
  return Math.max(1, Math.ceil((windowMs - (Date.now() % windowMs)) / 1000));
}

/** The charge of a call at its quoted price: per call its amount, per time one unit's (the least it costs). */
export function chargeOf(quote: Quote): Charge | undefined {
  if (quote.model === "per_call" || quote.model === "per_time") return quote.amount > 0 ? { amount: quote.amount, unit: quote.unit } : undefined;
  return undefined;
}
