// One hop's keys, all from the X-Wing shared secret the sender encapsulated to it (§14.2): HKDF-SHA256
// expands it into the header and payload stream keys, the header MAC key, the reply stream and MAC
// keys, and the replay tag. The streams are AES-256-CTR from a zero counter (stream-cipher.ts): each
// key is used once.
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "../../encoding/bytes.ts";

const SALT = utf8("mcpfed/1 onion");
const INFO = utf8("mcpfed/1 onion hop keys");

export interface HopKeys {
  header: Uint8Array;
  payload: Uint8Array;
  mac: Uint8Array;
  reply: Uint8Array;
  replyMac: Uint8Array;
  /** Names the packet in the hop's replay table; the same packet always gives the same tag. */
  tag: Uint8Array;
}

export function hopKeys(sharedSecret: Uint8Array): HopKeys {
  const okm = hkdf(sha256, sharedSecret, SALT, INFO, 6 * 32);
  const part = (i: number) => okm.slice(i * 32, i * 32 + 32);
  return { header: part(0), payload: part(1), mac: part(2), reply: part(3), replyMac: part(4), tag: part(5) };
}

export const mac = (key: Uint8Array, ...parts: Uint8Array[]): Uint8Array => {
  const h = hmac.create(sha256, key);
  for (const p of parts) h.update(p);
  return h.digest();
};

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
