// Envelope refusals (docs/protocol.md §5.4 and §9): for each code the opener returns, an envelope
// that earns it and the options it is opened with. Envelopes the sealer cannot make (a foreign
// suite, a header out of canonical form) are framed and signed here by hand, so each one fails
// for the stated reason and no other. Hello bodies (§6.1) and their framing refusals come last.
import canonicalize from "canonicalize";
import { concat, u16, u32, utf8 } from "../../src/protocol/encoding/bytes.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { ENVELOPE_ERRORS, EnvelopeError, type EnvelopeErrorCode } from "../../src/protocol/envelope/errors.ts";
import { openEnvelope } from "../../src/protocol/envelope/open.ts";
import { seal, type SealInput } from "../../src/protocol/envelope/seal.ts";
import { decode, ENVELOPE_CONTEXT, frame, signedPart, type Header } from "../../src/protocol/envelope/wire.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import type { XWing } from "../../src/protocol/identity/xwing.ts";
import { decodeHello, encodeHello } from "../../src/protocol/messages/hello.ts";
import { agree, b64, counting, p, write } from "./common.ts";
import { openOptions, type OpenWith } from "./refusal-open.ts";

export interface RefusalInputs {
  sender: { seed: Uint8Array; key: SigningKey };
  recipient: { seed: Uint8Array; key: SigningKey; kemSeed: Uint8Array; kem: Awaited<ReturnType<XWing["fromSeed"]>>; kemKey: { kid: string; pub: string } };
  /** An encryption key the recipient does not hold (its card's previous key, retired here). */
  otherKemKey: { kid: string; pub: string };
  /** A third node: signs what the sender did not. */
  stranger: { seed: Uint8Array; key: SigningKey };
  /** envelope.json's request: sealed with this randomness at this time. */
  now: number;
  fixed: { ekm: Uint8Array; jti: Uint8Array };
  card: Card;
}


interface Case {
  name: string;
  code: EnvelopeErrorCode;
  envelope: Uint8Array;
  with?: Partial<OpenWith>;
}

export async function refusalVectors(v: RefusalInputs): Promise<void> {
  const PATH = "/federation/v1/ping";
  const defaults: OpenWith = { now: v.now, skew: 60, method: "POST", path: PATH, maxBytes: 1 << 20, versions: ["mcpfed/1"], senderVersion: "mcpfed/1", seen: false };
  const sealInput: SealInput & { plaintext: Uint8Array } = {
    primitives: p,
    signer: v.sender.key.signer,
    from: v.sender.key.nodeId,
    to: v.recipient.key.nodeId,
    recipientKey: v.recipient.kemKey,
    version: "mcpfed/1",
    method: "POST",
    path: PATH,
    plaintext: utf8('{"type":"ping"}'),
    now: v.now,
    fixed: v.fixed,
  };
  const sealWith = async (o: Partial<SealInput>) => (await seal({ ...sealInput, ...o })).bytes;
  const valid = await sealWith({});
  const parts = decode(valid, defaults.maxBytes);

  /** Frames header bytes with the valid envelope's enc and ciphertext, signed by `signer`. */
  const forge = async (headerBytes: Uint8Array, o: { ct?: Uint8Array; signer?: SigningKey } = {}) => {
    const signed = signedPart(headerBytes, parts.enc, o.ct ?? parts.ct);
    return frame(signed, await (o.signer ?? v.sender.key).signer.sign(signed, ENVELOPE_CONTEXT));
  };
  const headerWith = (h: Record<string, unknown>) => utf8(canonicalize({ ...parts.header, ...h })!);
  const flip = (bytes: Uint8Array, at: number) => {
    const out = bytes.slice();
    out[at]! ^= 0x01;
    return out;
  };
  const sigAt = valid.length - 1; // the last byte: Ed25519's half of the signature
  const ctAt = 2 + parts.headerBytes.length + 2 + parts.enc.length + 4; // the first ciphertext byte
  const hugeHeader = concat(u16(1025), new Uint8Array(1025));

  const cases: Case[] = [
    { name: "larger than the receiver takes", code: "too_large", envelope: valid, with: { maxBytes: valid.length - 1 } },
    { name: "a header length over 1024", code: "too_large", envelope: hugeHeader },
    { name: "empty", code: "malformed", envelope: new Uint8Array(0) },
    { name: "cut short by one byte", code: "malformed", envelope: valid.subarray(0, valid.length - 1) },
    { name: "one byte after the signature", code: "malformed", envelope: concat(valid, Uint8Array.of(0)) },
    { name: "an enc of the wrong length", code: "malformed", envelope: concat(u16(parts.headerBytes.length), parts.headerBytes, u16(1119), parts.enc.subarray(0, 1119)) },
    { name: "a signature of the wrong length", code: "malformed", envelope: concat(signedPart(parts.headerBytes, parts.enc, parts.ct), u16(64), new Uint8Array(64)) },
    { name: "a header that is not JSON", code: "malformed", envelope: await forge(utf8("{not json")) },
    { name: "a header that is not UTF-8", code: "malformed", envelope: await forge(Uint8Array.of(0x7b, 0xff, 0x7d)) },
    { name: "a header that is not in canonical form", code: "malformed", envelope: await forge(utf8(JSON.stringify(parts.header, null, 1))) },
    { name: "a header missing jti", code: "malformed", envelope: await forge(headerWith({ jti: undefined })) },
    { name: "a header with an unknown field", code: "malformed", envelope: await forge(headerWith({ extra: 1 })) },
    { name: "a header valid for more than 300 seconds", code: "malformed", envelope: await forge(headerWith({ exp: v.now + 301 })) },
    { name: "a header that expires before it is issued", code: "malformed", envelope: await forge(headerWith({ exp: v.now - 1 })) },
    { name: "another AEAD", code: "unsupported_suite", envelope: await forge(headerWith({ suite: { ...parts.header.suite, aead: "chacha20-poly1305" } })) },
    { name: "another signature algorithm", code: "unsupported_suite", envelope: await forge(headerWith({ suite: { ...parts.header.suite, sig: "ed25519" } })) },
    { name: "addressed to another node", code: "wrong_recipient", envelope: await sealWith({ to: v.stranger.key.nodeId }) },
    { name: "bound to another path", code: "wrong_endpoint", envelope: valid, with: { path: "/federation/v1/exchange" } },
    { name: "issued beyond the skew in the future", code: "not_yet_valid", envelope: valid, with: { now: v.now - 61 } },
    { name: "expired beyond the skew", code: "expired", envelope: valid, with: { now: v.now + 60 + 61 } },
    { name: "expired, and signed by another key: the time is checked first", code: "expired", envelope: await forge(parts.headerBytes, { signer: v.stranger.key }), with: { now: v.now + 121 } },
    { name: "already accepted", code: "replayed", envelope: valid, with: { seen: true } },
    { name: "already accepted, with a broken signature: the id is checked first", code: "replayed", envelope: flip(valid, sigAt), with: { seen: true } },
    { name: "a version the receiver does not speak", code: "unsupported_version", envelope: await sealWith({ version: "mcpfed/2" }) },
    { name: "a version the receiver speaks, but not the one agreed", code: "downgrade", envelope: await sealWith({ version: "mcpfed/2" }), with: { versions: ["mcpfed/1", "mcpfed/2"] } },
    { name: "a flipped bit in the ciphertext", code: "bad_signature", envelope: flip(valid, ctAt) },
    { name: "a flipped bit in the Ed25519 half of the signature", code: "bad_signature", envelope: flip(valid, sigAt) },
    { name: "a flipped bit in the ML-DSA half of the signature", code: "bad_signature", envelope: flip(valid, valid.length - 3373) },
    { name: "signed by another node's key", code: "bad_signature", envelope: await forge(parts.headerBytes, { signer: v.stranger.key }) },
    { name: "sealed to a key the receiver does not hold", code: "unknown_key", envelope: await sealWith({ recipientKey: v.otherKemKey }) },
    { name: "validly signed, sealed to another public key under the receiver's key id", code: "decrypt_failed", envelope: await sealWith({ recipientKey: { kid: v.recipient.kemKey.kid, pub: v.otherKemKey.pub } }) },
    { name: "validly signed, the ciphertext replaced", code: "decrypt_failed", envelope: await forge(parts.headerBytes, { ct: counting(0x55, parts.ct.length) }) },
  ];

  const senderVerifier = await compositeVerifier(p, v.sender.key.signer.publicKey);
  const open = async (envelope: Uint8Array, o: OpenWith) => {
    const accepted = new Set<string>();
    if (o.seen) accepted.add(`${v.sender.key.nodeId} ${b64(v.fixed.jti)}`);
    const kem = { epoch: 0, keyId: v.recipient.kemKey.kid, ...v.recipient.kem };
    const replay = { seen: async (s: string, jti: string) => accepted.has(`${s} ${jti}`), record: async (s: string, jti: string) => !accepted.has(`${s} ${jti}`) };
    return openEnvelope(envelope, openOptions(o, { nodeId: v.recipient.key.nodeId, kem, primitives: p, verifier: senderVerifier, replay }));
  };
  agree("the valid envelope", "opens", await open(valid, defaults).then(() => "opens"));
  for (const c of cases) {
    const got = await open(c.envelope, { ...defaults, ...c.with }).then(
      () => "opens",
      (err: unknown) => (err instanceof EnvelopeError ? err.code : String(err)),
    );
    agree(c.name, c.code, got);
  }

  // Hello bodies: u32 card length, the card, the envelope.
  const hello = encodeHello(v.card, valid);
  const helloCases: { name: string; code: EnvelopeErrorCode; body: Uint8Array }[] = [
    { name: "shorter than its length prefix", code: "malformed", body: Uint8Array.of(0, 0, 1) },
    { name: "a card longer than 64 KiB", code: "too_large", body: concat(u32(64 * 1024 + 1), new Uint8Array(8)) },
    { name: "cut short inside the card", code: "malformed", body: hello.subarray(0, 4 + 100) },
    { name: "a card that is not JSON", code: "bad_card", body: concat(u32(4), utf8("card"), valid) },
    { name: "a card that is not UTF-8", code: "bad_card", body: concat(u32(3), Uint8Array.of(0x22, 0xff, 0x22), valid) },
  ];
  const decoded = decodeHello(hello);
  agree("the valid hello", [v.card, b64(valid)], [decoded.card, b64(decoded.envelope)]);
  for (const c of helloCases) {
    let got: string;
    try {
      decodeHello(c.body);
      got = "decodes";
    } catch (err) {
      got = err instanceof EnvelopeError ? err.code : String(err);
    }
    agree(`hello: ${c.name}`, c.code, got);
  }

  write("refusals.json", {
    about:
      "Envelope refusals (docs/protocol.md §5.4, §9): each envelope, opened by `recipient` with `open` (and a case's `with` over it), is refused with `code`. " +
      "`seen: true` means the recipient already accepted (sender, jti). The sender is a known, active peer that agreed on `senderVersion`; " +
      "unknown_sender, pending_sender, blocked_sender, bad_card (but see `hello`) and rate_limited depend on the receiver's peer directory and counters, not on the bytes, and have no vector here.",
    sender: { seed: b64(v.sender.seed), nodeId: v.sender.key.nodeId },
    recipient: { seed: b64(v.recipient.seed), nodeId: v.recipient.key.nodeId, kemSeed: b64(v.recipient.kemSeed), kemKey: v.recipient.kemKey },
    otherKemKey: v.otherKemKey,
    stranger: { seed: b64(v.stranger.seed), nodeId: v.stranger.key.nodeId },
    open: defaults,
    valid: { envelope: b64(valid), header: parts.header satisfies Header, plaintext: b64(sealInput.plaintext) },
    cases: cases.map((c) => ({ name: c.name, code: c.code, status: ENVELOPE_ERRORS[c.code], ...(c.with ? { with: c.with } : {}), envelope: b64(c.envelope) })),
    hello: {
      about: "A hello's body (§6.1): u32 card length || card (UTF-8 JSON) || envelope. `valid` splits into `card` and `valid.envelope`; each case is refused with `code` before any check of the card or envelope.",
      valid: { body: b64(hello), card: v.card },
      cases: helloCases.map((c) => ({ name: c.name, code: c.code, status: ENVELOPE_ERRORS[c.code], body: b64(c.body) })),
    },
  });
}
