// A subscription grant: the provider's signed statement that a consumer may call a tool for a
// period. Calls under it are quoted at 0 and carry the grant's id in their intent's price, so
// each record still shows which grant covered it.
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { sha256Hex } from "../encoding/hash.ts";
import { nodeId } from "../identity/node-id.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { z } from "zod";
import type { LedgerSigner, LedgerVerifier } from "./signing.ts";
import { currencyUnit, type Pricing } from "./pricing.ts";

export const GRANT_CONTEXT = "mcpfed/1 ledger-grant";

const ms = z.number().int().min(0).max(2 ** 48 - 1);

export const grant = z.strictObject({
  provider: nodeId,
  consumer: nodeId,
  /** The tool's global id. */
  tool: z.string().min(3).max(512),
  from: ms,
  until: ms,
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  unit: currencyUnit,
  /** 16 random bytes, hex: two grants with the same terms stay two grants. */
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
});
export type Grant = z.infer<typeof grant>;

export const signedGrant = z.strictObject({ grant, sig: z.string().regex(/^[A-Za-z0-9_-]{1,8192}$/) });
export type SignedGrant = z.infer<typeof signedGrant>;

/** Hex SHA-256 of the canonical grant: what a subscription quote names. */
export function grantId(g: Grant): Promise<string> {
  return sha256Hex(canonicalJson(g));
}

export class GrantError extends Error {
  override name = "GrantError";
}

/** The terms of a subscription to `tool` under `pricing`, starting at `from`: what a consumer proposes to buy. */
export function grantTerms(pricing: Pricing, terms: { provider: string; consumer: string; tool: string; from: number }): Grant {
  if (pricing.model !== "subscription") throw new GrantError(`the tool is priced ${pricing.model}, not by subscription`);
  const nonce = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  return { ...terms, until: terms.from + pricing.periodSeconds * 1000, amount: pricing.amount, unit: pricing.unit, nonce };
}

/** Whether `g` is what `pricing` sells: its amount, unit and period. */
export function grantMatches(g: Grant, pricing: Pricing): boolean {
  return pricing.model === "subscription" && g.amount === pricing.amount && g.unit === pricing.unit && g.until - g.from === pricing.periodSeconds * 1000;
}

/** The provider signs terms it has checked. */
export async function signGrantTerms(signer: LedgerSigner, g: Grant): Promise<SignedGrant> {
  if (g.provider !== signer.nodeId) throw new GrantError(`the grant is ${g.provider}'s to sign, not ${signer.nodeId}'s`);
  return { grant: g, sig: toBase64url(await signer.sign(utf8(canonicalJson(g)), GRANT_CONTEXT)) };
}

/** The provider grants a subscription under its current pricing, starting at `from`. */
export function signGrant(signer: LedgerSigner, pricing: Pricing, terms: { consumer: string; tool: string; from: number }): Promise<SignedGrant> {
  return signGrantTerms(signer, grantTerms(pricing, { provider: signer.nodeId, ...terms }));
}

/** The id of the grant when it is the provider's and covers a call by `consumer` to `tool` at `at`; otherwise undefined. */
export async function coveringGrant(
  verifier: LedgerVerifier,
  input: unknown,
  call: { provider: string; consumer: string; tool: string; at: number },
): Promise<string | undefined> {
  const parsed = signedGrant.safeParse(input);
  if (!parsed.success) return undefined;
  const { grant: g, sig } = parsed.data;
  if (g.provider !== call.provider || g.consumer !== call.consumer || g.tool !== call.tool || call.at < g.from || call.at >= g.until) return undefined;
  const key = await verifier.keyOf(g.provider);
  if (!key) return undefined;
  try {
    return (await key.verify(utf8(canonicalJson(g)), fromBase64url(sig), GRANT_CONTEXT)) ? await grantId(g) : undefined;
  } catch {
    // Undecodable or wrongly sized signatures make some verifiers throw rather than say no.
    return undefined;
  }
}
