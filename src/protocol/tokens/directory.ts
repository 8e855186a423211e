// The issuer directory (RFC 9578 §4) at /.well-known/private-token-issuer-directory: the issuer's
// token keys with their not-before time, plus two extensions other clients ignore: per key
// `mcpfed-expires`, when redemption stops accepting it, and `mcpfed-denomination`, what one token
// is worth at this issuer (value.ts). issuer-request-uri points at the federation
// message that sells tokens (§15.3): issuance here is between named peers, not RFC 9578's HTTP binding.
// The issuer signs the directory with its node identity (`mcpfed-issuer`, `mcpfed-signature`), so a
// provider that accepts another node's tokens (§15.9) learns that node's keys from any copy of it.
import { z } from "zod";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import type { EntrySigner } from "../identity/signer.ts";
import { currencyUnit } from "../ledger/pricing.ts";
import { TOKEN_TYPE } from "./issuer-key.ts";
import type { Denomination } from "./value.ts";

export const DIRECTORY_PATH = "/.well-known/private-token-issuer-directory";
export const DIRECTORY_CONTENT_TYPE = "application/private-token-issuer-directory";
/** An issuer lists a handful of keys at once (the current one and those still redeemable). */
export const MAX_DIRECTORY_KEYS = 8;

export const issuerDirectory = z.object({
  "issuer-request-uri": z.string().max(2048),
  "token-keys": z
    .array(
      z.object({
        "token-type": z.number().int(),
        // The RFC's base64url, padding allowed; a 342-byte key has none.
        "token-key": z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/).max(1024),
        "not-before": z.number().int().nonnegative().optional(),
        "mcpfed-expires": z.number().int().nonnegative().optional(),
      }),
    )
    .max(MAX_DIRECTORY_KEYS),
  "mcpfed-denomination": z.strictObject({ unit: currencyUnit, value: z.number().int().min(1).max(1_000_000_000) }).optional(),
  "mcpfed-issuer": z.string().max(64).optional(),
  /** The issuer's composite signature (base64url) over the JCS of every other field. */
  "mcpfed-signature": z.string().regex(/^[A-Za-z0-9_-]+$/).max(8192).optional(),
});
export type IssuerDirectory = z.infer<typeof issuerDirectory>;

export interface DirectoryKey {
  publicKey: string;
  /** Seconds since the epoch. */
  notBefore: number;
  expires: number;
}

export function buildDirectory(requestUri: string, keys: DirectoryKey[], denomination: Denomination): IssuerDirectory {
  return {
    "mcpfed-denomination": denomination,
    "issuer-request-uri": requestUri,
    "token-keys": keys.slice(0, MAX_DIRECTORY_KEYS).map((k) => ({ "token-type": TOKEN_TYPE, "token-key": k.publicKey, "not-before": k.notBefore, "mcpfed-expires": k.expires })),
  };
}

export const DIRECTORY_CONTEXT = "mcpfed/1 token-directory";

const signedBytes = (d: IssuerDirectory) => {
  const { "mcpfed-signature": _signature, ...signed } = d;
  return utf8(canonicalJson(signed));
};

/** The directory as `signer` (the issuing node) publishes it: its node id and its signature added. */
export async function signDirectory(d: IssuerDirectory, signer: EntrySigner): Promise<IssuerDirectory> {
  const named: IssuerDirectory = { ...d, "mcpfed-issuer": signer.nodeId };
  return { ...named, "mcpfed-signature": toBase64url(await signer.sign(signedBytes(named), DIRECTORY_CONTEXT)) };
}

/** Whether `d` is `issuer`'s directory, signed by the key `verify` checks (the issuer's card key). */
export async function directorySignedBy(d: IssuerDirectory, issuer: string, verify: (message: Uint8Array, signature: Uint8Array, context: string) => Promise<boolean>): Promise<boolean> {
  const signature = d["mcpfed-signature"];
  if (d["mcpfed-issuer"] !== issuer || signature === undefined) return false;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64url(signature);
  } catch {
    return false;
  }
  return verify(signedBytes(d), bytes, DIRECTORY_CONTEXT);
}

/** The key a consumer buys under at `now` (seconds): of type 0x0002, already valid, and the longest to live. */
export function keyToBuy(d: IssuerDirectory, now: number): DirectoryKey | undefined {
  const usable = d["token-keys"]
    .filter((k) => k["token-type"] === TOKEN_TYPE && (k["not-before"] ?? 0) <= now && (k["mcpfed-expires"] ?? Infinity) > now)
    .map((k) => ({ publicKey: k["token-key"].replace(/=+$/, ""), notBefore: k["not-before"] ?? 0, expires: k["mcpfed-expires"] ?? Number.MAX_SAFE_INTEGER }));
  return usable.sort((a, b) => b.expires - a.expires)[0];
}

/** The card feature of a node that issues tokens and accepts them. */
export const TOKENS_FEATURE = "privacy-pass";
