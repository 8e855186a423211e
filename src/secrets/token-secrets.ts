// Random secrets, and how they are kept and compared: only hashes are stored, and comparisons
// take the same time whatever the input.
import { sha256Hex } from "../protocol/encoding/hash.ts";
import { toBase64url } from "../protocol/encoding/bytes.ts";

export function randomSecret(bytes = 32): string {
  return toBase64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** What is stored for a high-entropy secret (a token, a code): its SHA-256, hex. */
export const hashSecret = sha256Hex;

/** Compares two secrets in constant time, by comparing their digests. */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256Hex(a), sha256Hex(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x.charCodeAt(i) ^ y.charCodeAt(i);
  return diff === 0;
}

/** base64url(SHA-256(text)): the PKCE S256 transform. */
export async function s256(text: string): Promise<string> {
  return toBase64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}
