// Sealing the answer to an envelope, the way Oblivious HTTP does (RFC 9458 §4.4): a key exported
// from the request's HPKE context, salted with the request's enc and a fresh nonce. Only the
// node that sealed the request can read the answer, and no second KEM or signature is needed.
import { expand, extract } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, utf8 } from "../encoding/bytes.ts";

export const RESPONSE_CONTENT_TYPE = "application/mcpfed-response";
export const RESPONSE_EXPORT_LABEL = utf8("mcpfed/1 response");
export const RESPONSE_SECRET_BYTES = 32;
const NONCE_BYTES = 32;

async function responseKey(secret: Uint8Array, enc: Uint8Array, nonce: Uint8Array): Promise<{ key: CryptoKey; iv: Uint8Array<ArrayBuffer> }> {
  // HKDF-Extract(salt, secret) then Expand with "key" and "nonce", as RFC 9458 §4.4. In JS: three
  // HMACs over a few bytes cost less than the WebCrypto jobs they replace, once per frame.
  const prk = extract(sha256, secret, concat(enc, nonce));
  const key = expand(sha256, prk, utf8("key"), 32);
  const iv = new Uint8Array(expand(sha256, prk, utf8("nonce"), 12));
  return { key: await crypto.subtle.importKey("raw", key as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]), iv };
}

/** response_nonce || AES-256-GCM(plaintext). `nonce` is fixed only in test vectors. */
export async function sealResponse(secret: Uint8Array, enc: Uint8Array, plaintext: Uint8Array, nonce?: Uint8Array): Promise<Uint8Array> {
  const n = nonce ?? crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const { key, iv } = await responseKey(secret, enc, n);
  return concat(n, new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, plaintext as BufferSource)));
}

export class ResponseError extends Error {
  override name = "ResponseError";
}

export async function openResponse(secret: Uint8Array, enc: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
  if (sealed.length < NONCE_BYTES + 16) throw new ResponseError("sealed response too short");
  const { key, iv } = await responseKey(secret, enc, sealed.subarray(0, NONCE_BYTES));
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, sealed.subarray(NONCE_BYTES) as BufferSource));
  } catch {
    throw new ResponseError("the response does not open with this request's key");
  }
}
