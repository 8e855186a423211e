// Redemption at the issuer on a provider's behalf (docs/protocol.md §15.9): a provider that accepts
// another node's tokens sends them to that issuer, which alone holds their spent set, so a token is
// spent once across every provider that accepts it. The issuer answers with its signed intent to
// pay the provider the tokens' worth; the provider's receipt and the issuer's countersignature make
// it a two-party record like a call's (§8), issuer as consumer, provider as provider.
import { z } from "zod";
import { bytesToHex } from "@noble/hashes/utils.js";
import { contentHash } from "../ledger/record.ts";
import { currencyUnit, type Pricing } from "../ledger/pricing.ts";
import { challengeDigest } from "./challenge.ts";
import { tokenText } from "./token.ts";
import { MAX_TOKENS_PER_CALL, type Denomination } from "./value.ts";

/** The tool a redemption's record names, after the provider's node id. */
export const REDEMPTION_TOOL = "privacy-pass/redemption";

export const tokenRedeemRequest = z.discriminatedUnion("type", [
  /**
   * The tokens one call paid with, all of the receiver's issuing, and the worth the provider
   * priced them at: the issuer spends nothing unless its own denomination gives that worth.
   */
  z.strictObject({ type: z.literal("token-redeem"), tokens: z.array(tokenText).min(1).max(MAX_TOKENS_PER_CALL), price: z.strictObject({ amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), unit: currencyUnit }) }),
  /** The provider's receipt over the issuer's intent, for the issuer to countersign. */
  z.strictObject({ type: z.literal("token-redeem-receipt"), receipt: z.unknown() }),
]);
export type TokenRedeemRequest = z.infer<typeof tokenRedeemRequest>;

export const REDEEM_ERROR_CODES = ["not_issuing", "token_invalid", "token_key_expired", "token_spent", "denomination_changed", "quarantined", "receipt_refused", "internal"] as const;
export type RedeemErrorCode = (typeof REDEEM_ERROR_CODES)[number];

export const tokenRedeemReply = z.union([
  /** token-redeem: the tokens are spent; the issuer's signed intent to pay for them. */
  z.strictObject({ ok: z.literal(true), intent: z.unknown() }),
  /** token-redeem-receipt: the record, countersigned. */
  z.strictObject({ ok: z.literal(true), record: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: z.strictObject({ code: z.enum(REDEEM_ERROR_CODES), message: z.string().max(1000) }) }),
]);
export type TokenRedeemReply = z.infer<typeof tokenRedeemReply>;

/** The tool of the issuer's intent: the provider's redemption, fingerprinted by the issuer's challenge. */
export const redemptionTool = (provider: string, issuer: string) => ({ id: `${provider}/${REDEMPTION_TOOL}`, fingerprint: `sha256:${bytesToHex(challengeDigest(issuer))}` });

/** n tokens' worth at the issuer's denomination. */
export const redemptionQuote = (n: number, d: Denomination): Extract<Pricing, { model: "per_call" }> => ({ model: "per_call", amount: n * d.value, unit: d.unit });

/** Whether a record is a redemption's: its tool is the provider's redemption. */
export const isRedemptionRecord = (r: { intent: { provider: string; tool: { id: string } } }): boolean => r.intent.tool.id === `${r.intent.provider}/${REDEMPTION_TOOL}`;

/** The intent's request hash: the tokens exactly as the provider sent them. */
export const redemptionRequestHash = (tokens: string[]): Promise<string> => contentHash({ tokens });

/** The receipt's result hash: how many tokens the issuer took. */
export const redemptionResult = (n: number) => ({ redeemed: n });
