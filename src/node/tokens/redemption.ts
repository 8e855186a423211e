// The redemption port (docs/protocol.md §15.5): a caller with no name pays for a priced tool with
// tokens, of this node's issuing or of an issuer it trusts (§15.9). Every token is checked before
// any is spent (a refusal changes nothing), then all of them are spent at once: by one unique row
// per nonce here, or at the issuer, which holds the one spent set of its tokens. Nothing here, nor
// in the rows written, says who bought the tokens: the issuer's sales and its redemptions share no value.
import { z } from "zod";
import type { Pricing } from "../../protocol/ledger/pricing.ts";
import { issuerOfDigest } from "../../protocol/tokens/challenge.ts";
import { parseToken, tokenText, verifyToken, type ParsedToken } from "../../protocol/tokens/token.ts";
import { MAX_TOKENS_PER_CALL, tokensFor, type Denomination, type RedemptionRefusal } from "../../protocol/tokens/value.ts";
import type { Database } from "../../store/database.ts";
import { spendNonces } from "../../store/token-issuer.ts";
import type { Config } from "../settings/config.ts";
import { redeemingKey } from "./issuer-keys.ts";
import { redeemAtIssuer, type OnlineRedemptionPort } from "./online-redemption.ts";
import { IssuerUnavailable, trustedDenomination, trustedIssuerKey } from "./trusted-issuers.ts";

export interface RedemptionPort {
  db: Database;
  nodeId: string;
  config: Pick<Config, "tokens">;
}

export { MAX_TOKENS_PER_CALL };
export const presentedTokens = z.array(tokenText).max(MAX_TOKENS_PER_CALL);

export type Refused = { ok: false; code: RedemptionRefusal; message: string };
export type Redemption = { ok: true; redeemed: number } | Refused;

const HOUR_MS = 3_600_000;

const refuse = (code: RedemptionRefusal, message: string): Refused => ({ ok: false, code, message });

/** Checked tokens of one issuer: their nonces, and when the last of their keys expires. */
export type CheckedTokens = { ok: true; nonces: string[]; keepUntil: number } | Refused;

type Verified = { ok: true; nonces: string[] } | Refused;
type KeyOf = (keyId: string) => Promise<{ state: "valid"; key: CryptoKey } | { state: "expired" } | { state: "unknown" }>;

/** Every token parsed, of `issuer`'s challenge, under a valid key of its, verified; no nonce twice. */
async function checkTokens(issuer: string, tokens: readonly string[], keyOf: KeyOf): Promise<Verified> {
  const nonces = new Set<string>();
  for (const text of tokens) {
    const token = parseToken(text);
    if (!token) return refuse("token_invalid", "not a token of type 0x0002");
    if (issuerOfDigest(token.challenge, [issuer]) === undefined) return refuse("token_invalid", "tokens of several issuers in one payment, or of another issuer's challenge");
    if (nonces.has(token.nonce)) return refuse("token_spent", "the same token twice");
    nonces.add(token.nonce);
    const key = await keyOf(token.keyId);
    if (key.state === "expired") return refuse("token_key_expired", "a token's issuer key has expired");
    if (key.state === "unknown") return refuse("token_invalid", "a token names no key of its issuer");
    if (!(await verifyToken(token, issuer, key.key))) return refuse("token_invalid", "a token does not verify");
  }
  return { ok: true, nonces: [...nonces] };
}

/** This node's own tokens checked against its keys, with the latest key expiry among them (how long their nonces are kept). */
export async function checkOwnTokens(s: Pick<RedemptionPort, "db" | "nodeId">, tokens: readonly string[], now: number): Promise<CheckedTokens> {
  let keepUntil = now;
  const checked = await checkTokens(s.nodeId, tokens, async (keyId) => {
    const key = await redeemingKey(s, keyId, now);
    if (key.state === "valid") keepUntil = Math.max(keepUntil, key.expiresAt);
    return key;
  });
  return checked.ok ? { ...checked, keepUntil } : checked;
}

/** Spends checked nonces of this node's own tokens, all or none. */
export async function spendOwn(s: Pick<RedemptionPort, "db">, checked: Extract<CheckedTokens, { ok: true }>, now: number): Promise<boolean> {
  return spendNonces(s.db, checked.nonces, Math.floor(now / HOUR_MS) * HOUR_MS, checked.keepUntil);
}

/** Whose tokens a payment is: this node's when it issues, else a trusted issuer's, by the first token's challenge. */
function payingIssuer(s: RedemptionPort, first: ParsedToken | undefined): string | undefined {
  const accepted = [...(s.config.tokens.issue ? [s.nodeId] : []), ...s.config.tokens.trustedIssuers];
  if (!first) return accepted[0];
  return issuerOfDigest(first.challenge, accepted);
}

/**
 * Pays for one call priced `pricing` with `tokens` (base64url, as the call carried them): the first
 * as many as the price needs are spent, any others are left unspent. A free tool spends none.
 * Tokens of a trusted issuer are spent there (`online`, and its record's receipt is delivered
 * through `defer`); without `online`, only this node's own tokens are accepted.
 */
export async function redeemTokens(
  s: RedemptionPort & Partial<OnlineRedemptionPort>,
  tokens: unknown,
  pricing: Pricing,
  now = Date.now(),
  defer: (work: Promise<unknown>) => void = (w) => void w.catch(() => {}),
): Promise<Redemption> {
  if (pricing.model === "free") return { ok: true, redeemed: 0 };
  const presented = presentedTokens.safeParse(tokens ?? []);
  if (!presented.success) return refuse("token_invalid", `tokens must be a list of at most ${MAX_TOKENS_PER_CALL} type 0x0002 tokens, base64url`);
  const first = presented.data[0] === undefined ? undefined : parseToken(presented.data[0]);
  if (presented.data.length > 0 && !first) return refuse("token_invalid", "not a token of type 0x0002");
  const issuer = payingIssuer(s, first);
  if (issuer === undefined) {
    return first ? refuse("issuer_not_trusted", "the tokens answer the challenge of no issuer this node accepts") : refuse("payment_required", "this node accepts no tokens");
  }
  const own = issuer === s.nodeId;
  const online = own ? undefined : onlinePort(s);
  if (!own && !online) return refuse("issuer_not_trusted", "this node redeems no other issuer's tokens here");
  let denomination: Denomination;
  try {
    denomination = own ? s.config.tokens : await trustedDenomination(online!, issuer, now);
  } catch (err) {
    if (err instanceof IssuerUnavailable) return refuse("issuer_unavailable", err.message);
    throw err;
  }
  const price = tokensFor(pricing, denomination);
  if (!price.ok) return refuse("token_price_unsupported", price.reason);
  if (price.tokens === 0) return { ok: true, redeemed: 0 };
  if (price.tokens > MAX_TOKENS_PER_CALL) return refuse("token_price_unsupported", `the call costs ${price.tokens} tokens, more than the ${MAX_TOKENS_PER_CALL} one call may carry`);
  if (presented.data.length < price.tokens) return refuse("payment_required", `the call costs ${price.tokens} token(s) of ${own ? "this node" : issuer}; ${presented.data.length} given`);
  const spent = presented.data.slice(0, price.tokens);
  if (own) {
    const checked = await checkOwnTokens(s, spent, now);
    if (!checked.ok) return checked;
    if (!(await spendOwn(s, checked, now))) return refuse("token_spent", "a token was already spent");
    return { ok: true, redeemed: checked.nonces.length };
  }
  let checked: Verified;
  try {
    // Checked here first: a forged or expired token costs the issuer no round trip.
    checked = await checkTokens(issuer, spent, (keyId) => trustedIssuerKey(online!, issuer, keyId, now));
  } catch (err) {
    if (err instanceof IssuerUnavailable) return refuse("issuer_unavailable", err.message);
    throw err;
  }
  if (!checked.ok) return checked;
  return redeemAtIssuer(online!, issuer, spent, denomination, now, defer);
}

function onlinePort(s: RedemptionPort & Partial<OnlineRedemptionPort>): OnlineRedemptionPort | undefined {
  const { outbound, identity, federation, ledger } = s;
  return outbound && identity && federation && ledger ? { db: s.db, nodeId: s.nodeId, outbound, identity, federation, ledger } : undefined;
}
