// SHA-256 as lowercase hex, of a text's UTF-8 bytes.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

/** Below this, hashing in JS beats a WebCrypto job; above it, the native digest wins. */
const INLINE_BYTES = 16 * 1024;

export async function sha256Hex(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  return bytesToHex(bytes.length <= INLINE_BYTES ? sha256(bytes) : new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}
