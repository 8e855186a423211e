// What a token is worth, and how many a call costs: each of an issuer's tokens is worth `value`
// of its `unit` (TOKEN_UNIT, TOKEN_VALUE); a per_call tool priced in that unit costs
// ceil(amount / value) tokens, so an issuer never serves for less than its price. Tools priced
// by time or by subscription have no price known before the call, and cannot be paid this way
// (docs/protocol.md §15.5 says why no change is given instead).
import type { Pricing } from "../ledger/pricing.ts";

export interface Denomination {
  unit: string;
  value: number;
}

export type TokenPrice = { ok: true; tokens: number } | { ok: false; reason: string };

export function tokensFor(p: Pricing, d: Denomination): TokenPrice {
  switch (p.model) {
    case "free":
      return { ok: true, tokens: 0 };
    case "per_call":
      if (p.unit !== d.unit) return { ok: false, reason: `priced in ${p.unit}, and this node's tokens are worth ${d.unit}` };
      return { ok: true, tokens: Math.ceil(p.amount / d.value) };
    default:
      return { ok: false, reason: `priced ${p.model}: only per_call prices can be paid with tokens` };
  }
}

/** The most tokens one call may carry, and so the most it may cost. */
export const MAX_TOKENS_PER_CALL = 32;

/** Why a redemption is refused (docs/protocol.md §15.5, §15.9). */
export type RedemptionRefusal =
  | "payment_required"
  /** A price tokens cannot pay: not per_call, another unit than the issuer's, or more tokens than a call carries. */
  | "token_price_unsupported"
  /** Tokens answering the challenge of no issuer this node accepts. */
  | "issuer_not_trusted"
  /** A trusted issuer that could not be asked (unreachable, or its directory does not verify): nothing was spent. */
  | "issuer_unavailable"
  | "token_invalid"
  | "token_key_expired"
  | "token_spent";
