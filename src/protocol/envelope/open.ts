// Opening a request from a peer. The checks run cheapest first, and nothing is decrypted or
// written until all of them pass:
//   1 sizes and framing   2 addressed to this node, at this endpoint   3 the time window
//   4 an id not seen before (looked up only)   5 a known, active sender, and the agreed version
//   6 the signature, Ed25519 half then ML-DSA   7 a current or overlapping key
// Checks 2 to 4 read the header alone, so a replayed or stale copy costs no signature check (for
// a hello, no card check either). Only after the ciphertext opens is the id recorded: an
// unsigned copy can never use up an id. A failure throws an EnvelopeError.
import type { RecipientContext } from "@hpke/core";
import type { CompositeVerifier } from "../identity/composite.ts";
import type { Primitives } from "../identity/primitives.ts";
import type { XWingPrivateKey } from "../identity/xwing.ts";
import { PROTOCOL_VERSIONS } from "../versions.ts";
import { EnvelopeError } from "./errors.ts";
import { carryPrivate, hpkeSuite } from "./hpke.ts";
import { RESPONSE_EXPORT_LABEL, RESPONSE_SECRET_BYTES, sealResponse } from "./response.ts";
import { HPKE_INFO } from "./seal.ts";
import { decode, ENVELOPE_CONTEXT, type Header } from "./wire.ts";

/** One of this node's X-Wing encryption keys, as the opener needs it. */
export interface KemKey {
  epoch: number;
  keyId: string;
  publicKey: Uint8Array;
  privateKey: XWingPrivateKey;
}

/** What the receiver knows of the sender: its key, and the version the two agreed on. */
export interface Sender {
  verifier: CompositeVerifier;
  version: string;
}

/** This node's encryption keys in force (the KemKeyring; a fixed set in test vectors). */
export interface KeyLookup {
  find(kid: string, now: number): Promise<KemKey | undefined>;
}

/** Ids already accepted (the libSQL ReplayCache). */
export interface ReplayGuard {
  seen(sender: string, jti: string): Promise<boolean>;
  /** False when the id was recorded meanwhile. */
  record(sender: string, jti: string, expiresAt: number): Promise<boolean>;
}

export interface OpenOptions {
  self: { nodeId: string; keys: KeyLookup; primitives: Primitives };
  /** Finds the sender the header names; throws unknown_sender, pending_sender, blocked_sender or bad_card. */
  sender(header: Header): Promise<Sender>;
  replay: ReplayGuard;
  /** Seconds since the epoch. */
  now: number;
  skew: number;
  method: string;
  path: string;
  maxBytes: number;
  /** The versions this node speaks (tests of negotiation pass others). */
  versions?: readonly string[];
}

export interface Opened {
  header: Header;
  plaintext: Uint8Array;
  /** Seals the answer with a key only this request's sender can derive (`nonce`: vectors only). */
  sealResponse(plaintext: Uint8Array, nonce?: Uint8Array): Promise<Uint8Array>;
  /** A secret exported from the request's HPKE context (RFC 9180 §5.3), e.g. a channel's `hs`. */
  exportSecret(label: Uint8Array, length: number): Promise<Uint8Array>;
}

export async function openEnvelope(bytes: Uint8Array, o: OpenOptions): Promise<Opened> {
  const env = decode(bytes, o.maxBytes);
  const { header } = env;

  if (header.to !== o.self.nodeId) throw new EnvelopeError("wrong_recipient", `the envelope is addressed to ${header.to}`);
  if (header.method !== o.method || header.path !== o.path) {
    throw new EnvelopeError("wrong_endpoint", `the envelope is bound to ${header.method} ${header.path}`);
  }

  if (header.iat > o.now + o.skew) throw new EnvelopeError("not_yet_valid", "the envelope was issued in the future; check the sender's clock");
  if (header.exp < o.now - o.skew) throw new EnvelopeError("expired", "the envelope has expired");

  if (await o.replay.seen(header.from, header.jti)) throw new EnvelopeError("replayed", "this envelope was already received");

  const sender = await o.sender(header);
  const versions = o.versions ?? PROTOCOL_VERSIONS;
  if (!versions.includes(header.v)) throw new EnvelopeError("unsupported_version", `this node does not speak ${header.v}`);
  if (header.v !== sender.version) {
    throw new EnvelopeError("downgrade", `the envelope says ${header.v}, but this node and the sender agreed on ${sender.version}`);
  }

  if (!(await sender.verifier.verify(env.sig, env.signed, ENVELOPE_CONTEXT))) {
    throw new EnvelopeError("bad_signature", "the envelope's signature does not verify with the sender's key");
  }

  const key = await o.self.keys.find(header.kid, o.now);
  if (!key) throw new EnvelopeError("unknown_key", `encryption key ${header.kid} is not current here; fetch this node's card again`);

  let plaintext: Uint8Array;
  let secret: Uint8Array;
  let ctx: RecipientContext;
  try {
    ctx = await hpkeSuite(o.self.primitives).createRecipientContext({ recipientKey: carryPrivate(key.privateKey), enc: env.enc, info: HPKE_INFO });
    plaintext = new Uint8Array(await ctx.open(env.ct as BufferSource, env.headerBytes as BufferSource));
    secret = new Uint8Array(await ctx.export(RESPONSE_EXPORT_LABEL as BufferSource, RESPONSE_SECRET_BYTES));
  } catch {
    throw new EnvelopeError("decrypt_failed", "the envelope does not decrypt");
  }

  // The arbiter between two copies racing past the check above: only one insert succeeds.
  if (!(await o.replay.record(header.from, header.jti, header.exp + o.skew))) {
    throw new EnvelopeError("replayed", "this envelope was already received");
  }
  const enc = env.enc.slice();
  return {
    header,
    plaintext,
    sealResponse: (pt, nonce) => sealResponse(secret, enc, pt, nonce),
    exportSecret: async (label, length) => new Uint8Array(await ctx.export(label as BufferSource, length)),
  };
}
