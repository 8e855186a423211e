// NODE_SEED: the one secret an operator keeps. Every key the node uses is derived from it with
// HKDF-SHA256 under a distinct label, so no two purposes ever share key material.
import { fromBase64url, toBase64url } from "../encoding/bytes.ts";

export const SEED_BYTES = 32;
/** HKDF salt: the protocol version, so a future version derives unrelated keys. */
const SALT = new TextEncoder().encode("mcpfed/1");

export class SeedError extends Error {
  override name = "SeedError";
}

/** Decodes NODE_SEED: exactly 32 bytes, base64url without padding. */
export function parseSeed(text: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64url(text.trim());
  } catch {
    throw new SeedError("NODE_SEED must be base64url");
  }
  if (bytes.length !== SEED_BYTES) throw new SeedError(`NODE_SEED must decode to ${SEED_BYTES} bytes, got ${bytes.length}`);
  return bytes;
}

export function newSeed(): string {
  return toBase64url(crypto.getRandomValues(new Uint8Array(SEED_BYTES)));
}

/** `length` bytes of HKDF-SHA256(seed, salt "mcpfed/1", info = label). */
export async function deriveBytes(seed: Uint8Array, label: string, length = 32): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", seed as BufferSource, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: SALT, info: new TextEncoder().encode(label) },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}
