// The redemption port (docs/protocol.md §15.5): a caller with no name pays for a priced tool with
// tokens this node issued. Every token is checked before any is spent (a refusal changes nothing),
// then all of them are spent at once by one unique row per nonce. Nothing here, nor in the rows
// written, says who bought the tokens: the issuer's sales and its redemptions share no value.
import { z } from "zod";
import type { Pricing } from "../../protocol/ledger/pricing.ts";
import { parseToken, tokenText, verifyToken } from "../../protocol/tokens/token.ts";
import { MAX_TOKENS_PER_CALL, tokensFor, type RedemptionRefusal } from "../../protocol/tokens/value.ts";
import type { Database } from "../../store/database.ts";
import { spendNonces } from "../../store/token-issuer.ts";
import type { Config } from "../settings/config.ts";
import { redeemingKey } from "./issuer-keys.ts";

export interface RedemptionPort {
  db: Database;
  nodeId: string;
  config: Pick<Config, "tokens">;
}

export { MAX_TOKENS_PER_CALL };
export const presentedTokens = z.array(tokenText).max(MAX_TOKENS_PER_CALL);

export type Redemption = { ok: true; redeemed: number } | { ok: false; code: RedemptionRefusal; message: string };

const HOUR_MS = 3_600_000;

const refuse = (code: RedemptionRefusal, message: string): Redemption => ({ ok: false, code, message });

/**
 * Pays for one call priced `pricing` with `tokens` (base64url, as the call carried them): the first
 * as many as the price needs are spent, any others are left unspent. A free tool spends none.
 */
export async function redeemTokens(s: RedemptionPort, tokens: unknown, pricing: Pricing, now = Date.now()): Promise<Redemption> {
  if (!s.config.tokens.issue) return pricing.model === "free" ? { ok: true, redeemed: 0 } : refuse("payment_required", "this node does not accept tokens");
  const price = tokensFor(pricing, s.config.tokens);
  if (!price.ok) return refuse("payment_required", price.reason);
  if (price.tokens === 0) return { ok: true, redeemed: 0 };
  if (price.tokens > MAX_TOKENS_PER_CALL) return refuse("payment_required", `the call costs ${price.tokens} tokens, more than the ${MAX_TOKENS_PER_CALL} one call may carry`);
  const presented = presentedTokens.safeParse(tokens ?? []);
  if (!presented.success) return refuse("token_invalid", `tokens must be a list of at most ${MAX_TOKENS_PER_CALL} type 0x0002 tokens, base64url`);
  if (presented.data.length < price.tokens) return refuse("payment_required", `the call costs ${price.tokens} token(s) of this node; ${presented.data.length} given`);
  const spent = presented.data.slice(0, price.tokens);
  const nonces = new Set<string>();
  let keepUntil = now;
  for (const text of spent) {
    const token = parseToken(text);
    if (!token) return refuse("token_invalid", "not a token of type 0x0002");
    if (nonces.has(token.nonce)) return refuse("token_spent", "the same token twice");
    nonces.add(token.nonce);
    const key = await redeemingKey(s, token.keyId, now);
    if (key.state === "expired") return refuse("token_key_expired", "a token's issuer key has expired");
    if (key.state === "unknown") return refuse("token_invalid", "a token names no key of this issuer");
    if (!(await verifyToken(token, s.nodeId, key.key))) return refuse("token_invalid", "a token does not verify");
    keepUntil = Math.max(keepUntil, key.expiresAt);
  }
  if (!(await spendNonces(s.db, [...nonces], Math.floor(now / HOUR_MS) * HOUR_MS, keepUntil))) return refuse("token_spent", "a token was already spent");
  return { ok: true, redeemed: nonces.size };
}
