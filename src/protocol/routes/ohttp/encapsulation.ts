// Oblivious HTTP encapsulation (RFC 9458 §4.3, §4.4) with the X-Wing HPKE suite: the request is
// sealed to the gateway's key configuration, the response under a key exported from the same
// HPKE context, so only the consumer that sealed the request can read it. The answer's sealing is
// the envelope's (src/protocol/envelope/response.ts), which already follows §4.4; only the
// exported label differs.
import { concat, utf8 } from "../../encoding/bytes.ts";
import { carryPrivate, carryPublic, hpkeSuite } from "../../envelope/hpke.ts";
import { openResponse, sealResponse } from "../../envelope/response.ts";
import type { Primitives } from "../../identity/primitives.ts";
import { xWing, XWING_ENC_BYTES, type XWingPrivateKey } from "../../identity/xwing.ts";
import { GatewayError } from "./errors.ts";
import { AEAD_AES_256_GCM, KDF_HKDF_SHA256, KEM_XWING, type KeyConfig } from "./key-config.ts";
import { isPaddedLength, padPlaintext, PaddingError } from "./padding.ts";

export const OHTTP_REQUEST_TYPE = "message/ohttp-req";
export const OHTTP_RESPONSE_TYPE = "message/ohttp-res";
const REQUEST_LABEL = "message/bhttp request";
const RESPONSE_LABEL = utf8("message/bhttp response");
/** max(Nn, Nk) of AES-256-GCM: the exported secret and the response nonce are this long. */
const RESPONSE_SECRET_BYTES = 32;
const HEADER_BYTES = 7;
const TAG_BYTES = 16;
/** The shortest well-formed request: header, enc and an AEAD tag over an empty message. */
export const MIN_REQUEST_BYTES = HEADER_BYTES + XWING_ENC_BYTES + TAG_BYTES;
/** What a response adds to its plaintext: the nonce and the AEAD tag. */
const RESPONSE_OVERHEAD = RESPONSE_SECRET_BYTES + TAG_BYTES;

function header(keyId: number): Uint8Array {
  return Uint8Array.of(keyId, KEM_XWING >> 8, KEM_XWING & 0xff, KDF_HKDF_SHA256 >> 8, KDF_HKDF_SHA256 & 0xff, AEAD_AES_256_GCM >> 8, AEAD_AES_256_GCM & 0xff);
}

/** info = "message/bhttp request" || 0x00 || hdr (§4.3). */
const infoOf = (hdr: Uint8Array) => concat(utf8(REQUEST_LABEL), Uint8Array.of(0), hdr);

export interface EncapsulatedRequest {
  bytes: Uint8Array;
  /** The HPKE encapsulated key: the gateway's pseudonym for the caller is derived from it. */
  enc: Uint8Array;
  /** Opens the gateway's encapsulated response to this request. */
  openResponse(bytes: Uint8Array): Promise<Uint8Array>;
}

/** Seals a Binary HTTP request to a gateway, padded to its bucket (§13.3.1). `ekm`: the KEM's 64 bytes of fixed randomness, for vectors only. */
export async function encapsulateRequest(p: Primitives, config: KeyConfig, request: Uint8Array, ekm?: Uint8Array): Promise<EncapsulatedRequest> {
  const hdr = header(config.keyId);
  const recipientPublicKey = carryPublic(await xWing(p).importPublic(config.publicKey));
  const ctx = await hpkeSuite(p).createSenderContext({ recipientPublicKey, info: infoOf(hdr), ...(ekm ? { ekm } : {}) });
  const enc = new Uint8Array(ctx.enc);
  const ct = new Uint8Array(await ctx.seal(padPlaintext("request", request, MIN_REQUEST_BYTES) as BufferSource));
  return {
    bytes: concat(hdr, enc, ct),
    enc,
    async openResponse(bytes) {
      if (!isPaddedLength("response", bytes.length)) throw new PaddingError("bad_padding", `a response of ${bytes.length} bytes is no bucket's length`);
      const secret = new Uint8Array(await ctx.export(RESPONSE_LABEL as BufferSource, RESPONSE_SECRET_BYTES));
      return openResponse(secret, enc, bytes);
    },
  };
}

/** One of the gateway's keys, by the 8-bit id a request names. */
export interface GatewayKey {
  keyId: number;
  privateKey: XWingPrivateKey;
}

export interface DecapsulatedRequest {
  /** The Binary HTTP request and its zero padding, which decoding reads past. */
  request: Uint8Array;
  enc: Uint8Array;
  /** Seals the Binary HTTP response, padded to its bucket (`nonce`: vectors only). */
  sealResponse(response: Uint8Array, nonce?: Uint8Array): Promise<Uint8Array>;
}

/**
 * Opens a request with whichever of `keys` it names, or throws a GatewayError. Nothing is read
 * from the content until its AEAD tag has verified.
 */
export async function decapsulateRequest(p: Primitives, bytes: Uint8Array, keys: readonly GatewayKey[], maxBytes: number): Promise<DecapsulatedRequest> {
  if (bytes.length > maxBytes) throw new GatewayError("too_large", `an encapsulated request over ${maxBytes} bytes`);
  if (bytes.length < MIN_REQUEST_BYTES) throw new GatewayError("malformed", "shorter than an encapsulated request");
  if (!isPaddedLength("request", bytes.length)) throw new GatewayError("bad_padding", `a request of ${bytes.length} bytes is no bucket's length`);
  const hdr = bytes.subarray(0, HEADER_BYTES);
  const kem = (hdr[1]! << 8) | hdr[2]!;
  const kdf = (hdr[3]! << 8) | hdr[4]!;
  const aead = (hdr[5]! << 8) | hdr[6]!;
  if (kem !== KEM_XWING || kdf !== KDF_HKDF_SHA256 || aead !== AEAD_AES_256_GCM) {
    throw new GatewayError("unsupported_suite", "this gateway speaks X-Wing, HKDF-SHA256 and AES-256-GCM only");
  }
  const candidates = keys.filter((k) => k.keyId === hdr[0]);
  if (candidates.length === 0) throw new GatewayError("unknown_key", `key id ${hdr[0]} is not current here; fetch this node's card again`);
  const enc = bytes.slice(HEADER_BYTES, HEADER_BYTES + XWING_ENC_BYTES);
  const ct = bytes.subarray(HEADER_BYTES + XWING_ENC_BYTES);
  const info = infoOf(hdr.slice());
  // Two keys share an id one time in 256: the tag tells which one the request was sealed to.
  for (const key of candidates) {
    let opened;
    try {
      const ctx = await hpkeSuite(p).createRecipientContext({ recipientKey: carryPrivate(key.privateKey), enc, info });
      opened = { request: new Uint8Array(await ctx.open(ct as BufferSource)), secret: new Uint8Array(await ctx.export(RESPONSE_LABEL as BufferSource, RESPONSE_SECRET_BYTES)) };
    } catch {
      continue;
    }
    const { request, secret } = opened;
    return { request, enc, sealResponse: (response, nonce) => sealResponse(secret, enc, padPlaintext("response", response, RESPONSE_OVERHEAD), nonce) };
  }
  throw new GatewayError("decrypt_failed", "the encapsulated request does not open");
}
