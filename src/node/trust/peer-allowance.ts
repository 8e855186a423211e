// What a peer may use of this node as a provider, by its trust tier: federated requests per
// minute (TRUST_RATE_LIMITS) and per day (TRUST_DAILY_QUOTAS), each in any window of that length, and credit
// (TRUST_CREDIT_LIMITS), checked before an upstream runs. A request over any is refused with its
// own code and changes nothing: the credit check writes nothing, and a request is counted only
// once it passed the credit check and every count.
import type { Quote } from "../../protocol/ledger/pricing.ts";
import type { TrustStandings } from "./standing.ts";

/** A per-tier rate holds in every window of this many seconds. */
export const RATE_WINDOW_SECONDS = 60;
/** A per-tier quota holds in every window of this many seconds: any 24 hours, not a calendar day. */
export const QUOTA_WINDOW_SECONDS = 86_400;

export interface AllowancePort {
  trust: TrustStandings;
  /** config.trust's (src/node/settings/config.ts): a tier without an entry has no limit. */
  limits: { rateLimits: ReadonlyMap<string, number>; dailyQuotas: ReadonlyMap<string, number>; creditLimits: ReadonlyMap<string, number> };
  /**
   * Sliding-window counts in the store, shared by every process (src/node/access/limits/limiter.ts):
   * one row per peer and slot (a fiftieth of the window), which the tick prunes two days after
   * the slot started.
   */
  counter: {
    countWithin(windows: readonly { key: string; windowSeconds: number; limit: number }[]): Promise<{ full: number; retryAfterSeconds: number } | undefined>;
  };
  /** What the peer owes this node in a currency unit (the ledger's records). */
  owed(peer: string, unit: string): Promise<number>;
}

/** What a call adds to the peer's debt: none for a free call or one under a grant or subscription. */
export interface Charge {
  amount: number;
  unit: string;
}

export type AllowanceRefusal =
  | { code: "rate_limited"; message: string; retryAfterSeconds: number }
  | { code: "quota_exceeded"; message: string; retryAfterSeconds: number }
  | { code: "credit_limit"; message: string };

/** One count a request must stay within. */
interface Window {
  key: string;
  windowSeconds: number;
  limit: number;
  refusal(retryAfterSeconds: number): AllowanceRefusal;
}

/** Undefined when the request may go ahead (and then it is counted); else why not. */
export async function checkAllowance(s: AllowancePort, peer: string, charge: Charge | undefined): Promise<AllowanceRefusal | undefined> {
  const { rateLimits, dailyQuotas, creditLimits } = s.limits;
  // Without per-tier limits a request costs no lookup at all.
  if (rateLimits.size === 0 && dailyQuotas.size === 0 && (creditLimits.size === 0 || !charge)) return undefined;
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
  const windows = windowsOf(tier.name, peer, rateLimits, dailyQuotas);
  if (windows.length === 0) return undefined;
  // Counted in every window or in none: a request refused by one count is not counted by the other.
  const full = await s.counter.countWithin(windows);
  return full && windows[full.full]!.refusal(full.retryAfterSeconds);
}

/** The tier's quota, then its rate: a spent quota is the longer wait, so it is the one to tell. */
function windowsOf(tier: string, peer: string, rateLimits: ReadonlyMap<string, number>, dailyQuotas: ReadonlyMap<string, number>): Window[] {
  const out: Window[] = [];
  const quota = dailyQuotas.get(tier);
  if (quota !== undefined) {
    out.push({
      key: `trust-quota|${peer}`,
      windowSeconds: QUOTA_WINDOW_SECONDS,
      limit: quota,
      refusal: (retryAfterSeconds) => ({
        code: "quota_exceeded",
        message: `daily quota: this node takes ${quota} requests in any 24 hours from its ${tier} peers; retry after ${retryAfterSeconds} s`,
        retryAfterSeconds,
      }),
    });
  }
  const rate = rateLimits.get(tier);
  if (rate !== undefined) {
    out.push({
      key: `trust-rate|${peer}`,
      windowSeconds: RATE_WINDOW_SECONDS,
      limit: rate,
      refusal: (retryAfterSeconds) => ({
        code: "rate_limited",
        message: `rate limited: this node takes ${rate} requests in any minute from its ${tier} peers; retry after ${retryAfterSeconds} s`,
        retryAfterSeconds,
      }),
    });
  }
  return out;
}

/** The charge of a call at its quoted price: per call its amount, per time one unit's (the least it costs). */
export function chargeOf(quote: Quote): Charge | undefined {
  if (quote.model === "per_call" || quote.model === "per_time") return quote.amount > 0 ? { amount: quote.amount, unit: quote.unit } : undefined;
  return undefined;
}
