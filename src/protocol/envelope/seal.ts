// Sealing a request to a peer: HPKE to the peer's current X-Wing key with the header as
// associated data, then the sender's composite signature over header, enc and ciphertext
// (encrypt-then-sign).
import { toBase64url } from "../encoding/bytes.ts";
import type { CompositeSigner } from "../identity/composite.ts";
import { encryptionKey } from "../identity/imported.ts";
import type { Primitives } from "../identity/primitives.ts";
import { carryPublic, hpkeSuite } from "./hpke.ts";
import { openResponse, RESPONSE_EXPORT_LABEL, RESPONSE_SECRET_BYTES } from "./response.ts";
import { ENVELOPE_CONTEXT, encodeHeader, frame, signedPart, SUITE, type Header } from "./wire.ts";

export const HPKE_INFO = new TextEncoder().encode(ENVELOPE_CONTEXT);
/** How long a sealed request stays valid, before the receiver's clock tolerance. */
export const ENVELOPE_LIFETIME_SECONDS = 60;

/** A secret exported from a request's HPKE context (RFC 9180 §5.3), e.g. a channel's `hs`. */
export type Exporter = (label: Uint8Array, length: number) => Promise<Uint8Array>;

export interface SealInput {
  primitives: Primitives;
  signer: CompositeSigner;
  from: string;
  to: string;
  /** The recipient's current encryption key, from its card. */
  recipientKey: { kid: string; pub: string };
  version: string;
  method: "POST";
  path: string;
  /**
   * The plaintext, or what makes it from this request's HPKE context: a channel's first flight is
   * sealed under a secret exported from the very envelope that carries it (docs/protocol.md §5.6).
   */
  plaintext: Uint8Array | ((exportSecret: Exporter) => Promise<Uint8Array>);
  /** Seconds since the epoch. */
  now: number;
  /** Fixed randomness, for test vectors only: HPKE's 64-byte ekm and the 16-byte id. */
  fixed?: { ekm: Uint8Array; jti: Uint8Array };
}

export interface Sealed {
  bytes: Uint8Array;
  header: Header;
  /** Opens the peer's sealed answer to this request. */
  openResponse(sealed: Uint8Array): Promise<Uint8Array>;
  exportSecret: Exporter;
}

export async function seal(input: SealInput): Promise<Sealed> {
  const header: Header = {
    v: input.version,
    suite: { ...SUITE },
    from: input.from,
    to: input.to,
    kid: input.recipientKey.kid,
    iat: input.now,
    exp: input.now + ENVELOPE_LIFETIME_SECONDS,
    jti: toBase64url(input.fixed?.jti ?? crypto.getRandomValues(new Uint8Array(16))),
    method: input.method,
    path: input.path,
  };
  const headerBytes = encodeHeader(header);
  const recipientPublicKey = carryPublic(await encryptionKey(input.primitives, input.recipientKey.pub));
  const ctx = await hpkeSuite(input.primitives).createSenderContext({ recipientPublicKey, info: HPKE_INFO, ...(input.fixed ? { ekm: input.fixed.ekm } : {}) });
  const enc = new Uint8Array(ctx.enc);
  const exportSecret: Exporter = async (label, length) => new Uint8Array(await ctx.export(label as BufferSource, length));
  const plaintext = typeof input.plaintext === "function" ? await input.plaintext(exportSecret) : input.plaintext;
  const ct = new Uint8Array(await ctx.seal(plaintext as BufferSource, headerBytes as BufferSource));
  const signed = signedPart(headerBytes, enc, ct);
  const sig = await input.signer.sign(signed, ENVELOPE_CONTEXT);
  return {
    bytes: frame(signed, sig),
    header,
    async openResponse(sealed) {
      const secret = new Uint8Array(await ctx.export(RESPONSE_EXPORT_LABEL as BufferSource, RESPONSE_SECRET_BYTES));
      return openResponse(secret, enc, sealed);
    },
    exportSecret,
  };
}
