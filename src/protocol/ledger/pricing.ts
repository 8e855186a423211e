// What a shared tool costs: the descriptor an origin puts in its registry entry's `pricing`, the
// quote a consumer signs into its intent, and the settlement of a finished call. Amounts are
// non-negative safe integers in the smallest step of their currency unit, so that sums in SQL
// and on either node agree to the unit: no floating point anywhere a balance comes from.
import { z } from "zod";

/** A currency unit's name, e.g. "usd-micro" or "credit": the ledger never converts between units. */
export const currencyUnit = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, "a currency unit");

const amount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const pricing = z.discriminatedUnion("model", [
  z.strictObject({ model: z.literal("free") }),
  z.strictObject({ model: z.literal("per_call"), amount, unit: currencyUnit }),
  /** `amount` per started second or millisecond of measured duration. */
  z.strictObject({ model: z.literal("per_time"), amount, per: z.enum(["second", "ms"]), unit: currencyUnit }),
  /** A grant (grant.ts) buys `periodSeconds` of calls for `amount`; the calls themselves cost 0. */
  z.strictObject({ model: z.literal("subscription"), amount, periodSeconds: z.number().int().min(1), unit: currencyUnit }),
]);
export type Pricing = z.infer<typeof pricing>;

/**
 * The price of one call as the consumer accepts it: what its intent pins, so a later price change
 * never reaches a call already requested. Settlement reads only the quote, never the live pricing.
 */
export const quote = z.discriminatedUnion("model", [
  z.strictObject({ model: z.literal("free") }),
  z.strictObject({ model: z.literal("per_call"), amount, unit: currencyUnit }),
  z.strictObject({ model: z.literal("per_time"), amount, per: z.enum(["second", "ms"]), unit: currencyUnit }),
  z.strictObject({ model: z.literal("subscription"), grant: z.string().regex(/^[0-9a-f]{64}$/), unit: currencyUnit }),
  /** The purchase of the subscription grant it names (grant.ts), for the grant's amount. */
  z.strictObject({ model: z.literal("grant"), grant: z.string().regex(/^[0-9a-f]{64}$/), amount, unit: currencyUnit }),
]);
export type Quote = z.infer<typeof quote>;

export class PricingError extends Error {
  override name = "PricingError";
}

/** The registry entry's opaque `pricing`, read as a descriptor; null (none stated) means free. */
export function readPricing(descriptor: unknown): Pricing {
  if (descriptor === null) return { model: "free" };
  const parsed = pricing.safeParse(descriptor);
  if (!parsed.success) throw new PricingError(`unreadable pricing descriptor: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

export interface QuoteContext {
  /** The tool runs on this node: nothing is relayed, so nothing is billed per call. */
  local?: boolean;
  /** For a subscription: the id of the consumer's grant (grant.ts) covering this call. */
  grant?: string;
}

/** The price shown to the consumer, which it signs in its intent. */
export function quoteOf(p: Pricing, ctx: QuoteContext = {}): Quote {
  if (ctx.local || p.model === "free") return { model: "free" };
  if (p.model === "subscription") {
    if (!ctx.grant) throw new PricingError("a subscription call needs a grant");
    return { model: "subscription", grant: ctx.grant, unit: p.unit };
  }
  return p;
}

export interface Settlement {
  /** Calls, seconds or milliseconds billed. */
  units: number;
  amount: number;
  /** Absent for free calls, which have no currency. */
  unit?: string;
}

/** Units and amount of a finished call, from its pinned quote and the provider's measured duration. */
export function settle(q: Quote, durationMs: number): Settlement {
  if (!Number.isSafeInteger(durationMs) || durationMs < 0) throw new PricingError("duration must be a non-negative integer of ms");
  switch (q.model) {
    case "free":
      return { units: 0, amount: 0 };
    case "per_call":
      return { units: 1, amount: q.amount, unit: q.unit };
    case "subscription":
      return { units: 1, amount: 0, unit: q.unit };
    case "grant":
      return { units: 1, amount: q.amount, unit: q.unit };
    case "per_time": {
      // A started second is billed whole: the consumer accepted the rate, not a rounding rule of the provider's choosing.
      const units = q.per === "ms" ? durationMs : Math.ceil(durationMs / 1000);
      const total = units * q.amount;
      if (!Number.isSafeInteger(total)) throw new PricingError("amount out of range");
      return { units, amount: total, unit: q.unit };
    }
  }
}
