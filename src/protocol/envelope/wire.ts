// The envelope's bytes (docs/protocol.md, "Envelope"): a length-prefixed header, the HPKE
// encapsulated key, the ciphertext and the composite signature.
//
//   u16 header length || header || u16 enc length || enc || u32 ct length || ct || u16 sig length || sig
//
// The header is RFC 8785 canonical JSON. The signature covers every byte before its own length.
import canonicalize from "canonicalize";
import { z } from "zod";
import { concat, u16, u32, utf8 } from "../encoding/bytes.ts";
import { COMPOSITE_ALG, COMPOSITE_SIGNATURE_BYTES } from "../identity/composite.ts";
import { KEY_ID, NODE_ID } from "../identity/keys.ts";
import { XWING_ALG, XWING_ENC_BYTES } from "../identity/xwing.ts";
import { EnvelopeError } from "./errors.ts";

export const ENVELOPE_CONTENT_TYPE = "application/mcpfed-envelope";
export const ENVELOPE_CONTEXT = "mcpfed/1 envelope";
export const MAX_HEADER_BYTES = 1024;
/** Longest validity an envelope may claim; also bounds how long the replay cache holds an id. */
export const MAX_LIFETIME_SECONDS = 300;

export const SUITE = { kem: XWING_ALG, kdf: "hkdf-sha256", aead: "aes-256-gcm", sig: COMPOSITE_ALG } as const;

export const headerSchema = z
  .object({
    v: z.string().regex(/^mcpfed\/\d+$/),
    suite: z.object({ kem: z.string(), kdf: z.string(), aead: z.string(), sig: z.string() }).strict(),
    from: z.string().regex(NODE_ID),
    to: z.string().regex(NODE_ID),
    /** The recipient's encryption key this envelope is sealed to. */
    kid: z.string().regex(KEY_ID),
    iat: z.number().int().nonnegative(),
    exp: z.number().int().nonnegative(),
    /** 16 random bytes, base64url: the replay cache's key. */
    jti: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
    method: z.enum(["POST"]),
    path: z.string().regex(/^\/federation\/v\d+\/[a-z-]+$/),
  })
  .strict();
export type Header = z.infer<typeof headerSchema>;

export interface Envelope {
  /** The exact header bytes: the AEAD's associated data, and signed. */
  headerBytes: Uint8Array;
  header: Header;
  enc: Uint8Array;
  ct: Uint8Array;
  sig: Uint8Array;
  /** Every byte the signature covers. */
  signed: Uint8Array;
}

export function encodeHeader(header: Header): Uint8Array {
  return utf8(canonicalize(header)!);
}

/** header, enc and ct framed: the bytes the sender signs. */
export function signedPart(headerBytes: Uint8Array, enc: Uint8Array, ct: Uint8Array): Uint8Array {
  return concat(u16(headerBytes.length), headerBytes, u16(enc.length), enc, u32(ct.length), ct);
}

export function frame(signed: Uint8Array, sig: Uint8Array): Uint8Array {
  return concat(signed, u16(sig.length), sig);
}

/**
 * Splits and checks the framing, sizes first, then parses the header: the checks that cost no
 * cryptography. `maxBytes` bounds the whole envelope.
 */
export function decode(bytes: Uint8Array, maxBytes: number): Envelope {
  if (bytes.length > maxBytes) throw new EnvelopeError("too_large", `envelope of ${bytes.length} bytes exceeds ${maxBytes}`);
  let at = 0;
  const take = (n: number, what: string) => {
    if (at + n > bytes.length) throw new EnvelopeError("malformed", `envelope truncated in ${what}`);
    const part = bytes.subarray(at, at + n);
    at += n;
    return part;
  };
  const len16 = (what: string) => {
    const b = take(2, what);
    return (b[0]! << 8) | b[1]!;
  };
  const headerLength = len16("header length");
  if (headerLength > MAX_HEADER_BYTES) throw new EnvelopeError("too_large", `header of ${headerLength} bytes exceeds ${MAX_HEADER_BYTES}`);
  const headerBytes = take(headerLength, "header");
  if (len16("enc length") !== XWING_ENC_BYTES) throw new EnvelopeError("malformed", `enc must be ${XWING_ENC_BYTES} bytes`);
  const enc = take(XWING_ENC_BYTES, "enc");
  const l = take(4, "ciphertext length");
  const ctLength = ((l[0]! << 24) >>> 0) + (l[1]! << 16) + (l[2]! << 8) + l[3]!;
  const ct = take(ctLength, "ciphertext");
  const signed = bytes.subarray(0, at);
  if (len16("signature length") !== COMPOSITE_SIGNATURE_BYTES) throw new EnvelopeError("malformed", `signature must be ${COMPOSITE_SIGNATURE_BYTES} bytes`);
  const sig = take(COMPOSITE_SIGNATURE_BYTES, "signature");
  if (at !== bytes.length) throw new EnvelopeError("malformed", "bytes after the signature");
  return { headerBytes, header: parseHeader(headerBytes), enc, ct, sig, signed };
}

function parseHeader(bytes: Uint8Array): Header {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new EnvelopeError("malformed", "the header is not UTF-8 JSON");
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new EnvelopeError("malformed", `header ${first.path.join(".") || "(root)"}: ${first.message}`);
  }
  const header = parsed.data;
  // One encoding per header: what was signed is exactly what is read.
  if (canonicalize(header) !== new TextDecoder().decode(bytes)) throw new EnvelopeError("malformed", "the header is not in canonical form");
  const s = header.suite;
  if (s.kem !== SUITE.kem || s.kdf !== SUITE.kdf || s.aead !== SUITE.aead || s.sig !== SUITE.sig) {
    throw new EnvelopeError("unsupported_suite", `unsupported suite ${s.kem}/${s.kdf}/${s.aead}/${s.sig}`);
  }
  if (header.exp < header.iat || header.exp - header.iat > MAX_LIFETIME_SECONDS) {
    throw new EnvelopeError("malformed", `the header's validity must be 0 to ${MAX_LIFETIME_SECONDS} seconds`);
  }
  return header;
}
