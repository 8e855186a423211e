// The token sale (docs/protocol.md §15.3): a named consumer buys `n` tokens from an issuer it peers
// with, paying like a priced call. Its intent names the issuer's built-in tool SALE_TOOL, with the
// token key id as the fingerprint, the hash of what it asks signed as the request, and n tokens'
// worth as a per_call price; the issuer's receipt hashes the blind signatures it answers.
import { z } from "zod";
import { contentHash } from "../ledger/record.ts";
import type { Pricing } from "../ledger/pricing.ts";

/** The tool a sale's ledger record names, after the issuer's node id. */
export const SALE_TOOL = "privacy-pass/tokens";
/**
 * Signing one token costs the issuer one RSA private-key operation: about 1 ms with the runtime's
 * raw RSA, 0.25–0.55 s with the blindrsa-ts fallback (docs/benchmarks.md). 16 keep a sale well
 * inside the federation client's 15 s even on the fallback.
 */
export const MAX_TOKENS_PER_SALE = 16;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const b64url = (chars: number) => z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${chars}}$`));
/** 259 bytes of TokenRequest, 256 of TokenResponse (issuance.ts), as unpadded base64url. */
const requestText = b64url(346);
const responseText = b64url(342);

export const tokenSaleRequest = z.strictObject({
  type: z.literal("token-sale"),
  keyId: hex64,
  requests: z.array(requestText).min(1).max(MAX_TOKENS_PER_SALE),
  intent: z.unknown(),
});
export type TokenSaleRequest = z.infer<typeof tokenSaleRequest>;

export const SALE_ERROR_CODES = ["bad_request", "not_issuing", "token_key_expired", "intent_refused", "price_changed", "quarantined", "internal"] as const;
export type SaleErrorCode = (typeof SALE_ERROR_CODES)[number];

export const tokenSaleReply = z.union([
  /** The blind signatures, in request order, and the sale's pending record. */
  z.strictObject({ ok: z.literal(true), responses: z.array(responseText).min(1).max(MAX_TOKENS_PER_SALE), receipt: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: z.strictObject({ code: z.enum(SALE_ERROR_CODES), message: z.string().max(1000) }) }),
]);
export type TokenSaleReply = z.infer<typeof tokenSaleReply>;

/** The tool of the sale's intent: the issuer's built-in sale, fingerprinted by the key it signs under. */
export const saleTool = (issuer: string, keyId: string) => ({ id: `${issuer}/${SALE_TOOL}`, fingerprint: `sha256:${keyId}` });

/** The sale's quote: `n` tokens of `value` each. */
export const saleQuote = (n: number, denomination: { unit: string; value: number }): Extract<Pricing, { model: "per_call" }> => ({ model: "per_call", amount: n * denomination.value, unit: denomination.unit });

/** The intent's request hash: the key and the requests, exactly as sent. */
export const saleRequestHash = (r: Pick<TokenSaleRequest, "keyId" | "requests">): Promise<string> => contentHash({ keyId: r.keyId, requests: r.requests });

/** The receipt's result hash: the responses, exactly as answered. */
export const saleResultHash = (responses: string[]): Promise<string> => contentHash({ responses });
