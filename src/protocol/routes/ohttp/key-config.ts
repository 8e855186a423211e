// An Oblivious HTTP key configuration (RFC 9458 §3), derived from a node's card: the card's
// current X-Wing key, with the one suite mcpfed speaks. Nothing is published beside the card, so
// a consumer that holds a verified card holds the gateway's key configuration too.
import { concat, fromBase64url, u16 } from "../../encoding/bytes.ts";
import { XWING_PUBLIC_KEY_BYTES } from "../../identity/xwing.ts";

export const KEM_XWING = 0x647a;
export const KDF_HKDF_SHA256 = 0x0001;
export const AEAD_AES_256_GCM = 0x0002;

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/**
 * The 8-bit key identifier: the first byte of the key's thumbprint (§3.3 of the protocol), which
 * is the first 8 of the 80 bits its kid spells in base32. A node's current and previous keys may
 * share it (1 in 256); the gateway then tries both.
 */
export function ohttpKeyId(kid: string): number {
  const hi = BASE32.indexOf(kid[0] ?? "");
  const lo = BASE32.indexOf(kid[1] ?? "");
  if (hi < 0 || lo < 0) throw new Error("not a key id");
  return ((hi << 3) | (lo >> 2)) & 0xff;
}

export interface KeyConfig {
  keyId: number;
  publicKey: Uint8Array;
}

/** The key configuration of a card's encryption key, as a consumer seals to it. */
export function keyConfigOf(kem: { kid: string; pub: string }): KeyConfig {
  return { keyId: ohttpKeyId(kem.kid), publicKey: fromBase64url(kem.pub) };
}

/** Key Config (RFC 9458 §3.1) bytes: key id, KEM id, public key, then the one symmetric suite. */
export function encodeKeyConfig(c: KeyConfig): Uint8Array {
  if (c.publicKey.length !== XWING_PUBLIC_KEY_BYTES) throw new Error("an X-Wing public key is 1216 bytes");
  return concat(Uint8Array.of(c.keyId), u16(KEM_XWING), c.publicKey, u16(4), u16(KDF_HKDF_SHA256), u16(AEAD_AES_256_GCM));
}
