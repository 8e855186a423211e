// An issuer's key for Privacy Pass token type 0x0002 (RFC 9578 §6: blind RSA, RFC 9474's
// RSABSSA-SHA384-PSS-Deterministic, 2048-bit modulus). The public key travels in the RFC's
// encoding (SubjectPublicKeyInfo with the RSASSA-PSS OID); its token key id is its SHA-256.
import { publicVerif, util } from "@cloudflare/privacypass-ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

export const TOKEN_TYPE = 0x0002;
export const MODULUS_BITS = 2048;
/** Bytes of an RFC 9578 encoded 2048-bit public key. */
export const PUBLIC_KEY_BYTES = 342;
const RSA_PSS = { name: "RSA-PSS", hash: "SHA-384" } as const;

export interface IssuerKeyPair {
  /** RFC 9578 encoding (SPKI, id-RSASSA-PSS). */
  publicKey: Uint8Array;
  /** PKCS#8, for sealing at rest. */
  privateKey: Uint8Array;
}

export async function generateIssuerKey(): Promise<IssuerKeyPair> {
  const pair = await publicVerif.Issuer.generateKey(publicVerif.BlindRSAMode.PSS, { modulusLength: MODULUS_BITS, publicExponent: new Uint8Array([1, 0, 1]) });
  return {
    publicKey: await publicVerif.getPublicKeyBytes(pair.publicKey),
    privateKey: new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey)),
  };
}

/** The token key id: SHA-256 of the encoded public key (RFC 9578 §6.5), as lowercase hex. */
export function tokenKeyId(publicKey: Uint8Array): string {
  return bytesToHex(sha256(publicKey));
}

export class IssuerKeyError extends Error {
  override name = "IssuerKeyError";
}

/** The verifying key; throws IssuerKeyError for bytes that are not a 2048-bit RSASSA-PSS key. */
export async function importPublicKey(publicKey: Uint8Array): Promise<CryptoKey> {
  if (publicKey.length !== PUBLIC_KEY_BYTES) throw new IssuerKeyError(`a token key is ${PUBLIC_KEY_BYTES} bytes`);
  try {
    // blindrsa-ts reads the key back as a JWK: it must be extractable (it is public anyway).
    return await crypto.subtle.importKey("spki", util.convertRSASSAPSSToEnc(publicKey) as BufferSource, RSA_PSS, true, ["verify"]);
  } catch (err) {
    throw new IssuerKeyError(`not an RSASSA-PSS public key: ${String(err)}`);
  }
}

export function importPrivateKey(pkcs8: Uint8Array): Promise<CryptoKey> {
  // Extractable because blindrsa-ts reads the key as a JWK to sign; it never leaves the process.
  return crypto.subtle.importKey("pkcs8", pkcs8 as BufferSource, RSA_PSS, true, ["sign"]);
}

/** A key's standing at `now` (ms): redemption accepts tokens of a valid key only, and names an expired one. */
export type KeyState = "valid" | "expired" | "not_yet_valid";

export function keyStateAt(k: { notBefore: number; expiresAt: number }, now: number): KeyState {
  if (now < k.notBefore) return "not_yet_valid";
  return now < k.expiresAt ? "valid" : "expired";
}
