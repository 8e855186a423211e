// The envelope's checks one at a time, at their edges: framing and size caps (decode), the
// header's own rules, the hello's card prefix, and openEnvelope's recipient, endpoint, time window,
// replay, version and key checks, each with the code and message a peer is told. Built on the
// envelope test vector, so nothing here generates keys.
import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url, u32, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { MAX_CARD_BYTES } from "../../src/protocol/card/schema.ts";
import { EnvelopeError } from "../../src/protocol/envelope/errors.ts";
import { openEnvelope, type KemKey, type OpenOptions } from "../../src/protocol/envelope/open.ts";
import { decode, encodeHeader, frame, MAX_HEADER_BYTES, MAX_LIFETIME_SECONDS, signedPart, type Header } from "../../src/protocol/envelope/wire.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { xWing } from "../../src/protocol/identity/xwing.ts";
import { decodeHello } from "../../src/protocol/messages/hello.ts";
import { PATHS, vector } from "./paths.ts";

interface EnvelopeVector {
  senderSeed: string;
  recipientSeed: string;
  recipientKemSeed: string;
  recipientKemKey: { kid: string; pub: string };
  now: number;
  plaintext: string;
  header: Header;
  envelope: string;
  response: { nonce: string; plaintext: string; sealed: string };
}

const v = vector<EnvelopeVector>("envelope.json");
const b = fromBase64url;
const p = await primitives();
const bytes = b(v.envelope);
const SKEW = 60;
const ENC = 1120;
const SIG = 3373;
const [alice, bob, carol] = await Promise.all([v.senderSeed, v.recipientSeed, v.recipientKemSeed].map((s) => signingKeyFromSeed(p, b(s))));
const aliceVerifier = await compositeVerifier(p, alice!.signer.publicKey);
const key: KemKey = { epoch: 0, keyId: v.recipientKemKey.kid, ...(await xWing(p).fromSeed(b(v.recipientKemSeed))) };

/** The outcome as a peer would be told it: a code and a message, or what was recorded. */
async function attempt(envelope: Uint8Array, o: Partial<OpenOptions> = {}) {
  const recorded: [string, string, number][] = [];
  const options: OpenOptions = {
    self: { nodeId: bob!.nodeId, keys: { find: async (kid) => (kid === key.keyId ? key : undefined) }, primitives: p },
    sender: async () => ({ verifier: aliceVerifier, version: "mcpfed/1" }),
    replay: {
      seen: async () => false,
      record: async (sender, jti, expiresAt) => {
        recorded.push([sender, jti, expiresAt]);
        return true;
      },
    },
    now: v.now,
    skew: SKEW,
    method: "POST",
    path: v.header.path,
    maxBytes: 1 << 20,
    ...o,
  };
  try {
    const opened = await openEnvelope(envelope, options);
    return { accepted: true, plaintext: opened.plaintext, recorded };
  } catch (err) {
    if (!(err instanceof EnvelopeError)) throw err;
    return { accepted: false, code: err.code, message: err.message, recorded };
  }
}

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof EnvelopeError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("accepted");
}

/** An envelope framed around `header` with filler enc, ciphertext and signature: for decode's checks, which run before any cryptography. */
function framed(header: Header | Uint8Array, o: { enc?: number; ct?: Uint8Array; sig?: number } = {}): Uint8Array {
  const hb = header instanceof Uint8Array ? header : encodeHeader(header);
  return frame(signedPart(hb, new Uint8Array(o.enc ?? ENC), o.ct ?? new Uint8Array(40)), new Uint8Array(o.sig ?? SIG));
}

describe("decode: framing and size caps", () => {
  it("takes an envelope of exactly maxBytes and refuses one byte more, naming both sizes", () => {
    expect(decode(bytes, bytes.length).header).toEqual(v.header);
    expect(refusal(() => decode(bytes, bytes.length - 1))).toEqual({ code: "too_large", message: `envelope of ${bytes.length} bytes exceeds ${bytes.length - 1}` });
  });

  it("splits the vector into its parts, the signature covering every byte before its length", () => {
    const e = decode(bytes, 1 << 20);
    const hl = (bytes[0]! << 8) | bytes[1]!;
    expect(e.headerBytes).toEqual(bytes.subarray(2, 2 + hl));
    expect(e.enc).toEqual(bytes.subarray(4 + hl, 4 + hl + ENC));
    expect(e.ct.length).toBe(bytes.length - SIG - 2 - (8 + hl + ENC));
    expect(e.signed).toEqual(bytes.subarray(0, bytes.length - SIG - 2));
    expect(e.sig).toEqual(bytes.subarray(bytes.length - SIG));
  });

  it("caps the header at MAX_HEADER_BYTES, before reading it", () => {
    const over = new Uint8Array(MAX_HEADER_BYTES + 1).fill(0x20);
    expect(refusal(() => decode(framed(over), 1 << 20))).toEqual({ code: "too_large", message: `header of ${MAX_HEADER_BYTES + 1} bytes exceeds ${MAX_HEADER_BYTES}` });
    // At the cap the header is read (and here refused for what it says, not its size).
    const at = new Uint8Array(MAX_HEADER_BYTES).fill(0x20);
    expect(refusal(() => decode(framed(at), 1 << 20)).code).toBe("malformed");
  });

  it("names the part an envelope is truncated in", () => {
    const hl = (bytes[0]! << 8) | bytes[1]!;
    const cases: [number, string][] = [
      [1, "header length"],
      [2 + hl - 1, "header"],
      [2 + hl + 1, "enc length"],
      [4 + hl + ENC - 1, "enc"],
      [4 + hl + ENC + 3, "ciphertext length"],
      [8 + hl + ENC + 1, "ciphertext"],
      [bytes.length - SIG - 1, "signature length"],
      [bytes.length - 1, "signature"],
    ];
    for (const [cut, what] of cases) {
      expect(refusal(() => decode(bytes.subarray(0, cut), 1 << 20)), what).toEqual({ code: "malformed", message: `envelope truncated in ${what}` });
    }
  });

  it("refuses a wrong enc or signature length, and bytes after the signature", () => {
    expect(refusal(() => decode(framed(v.header, { enc: ENC - 1 }), 1 << 20))).toEqual({ code: "malformed", message: `enc must be ${ENC} bytes` });
    expect(refusal(() => decode(framed(v.header, { sig: SIG + 1 }), 1 << 20))).toEqual({ code: "malformed", message: `signature must be ${SIG} bytes` });
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(refusal(() => decode(longer, 1 << 20))).toEqual({ code: "malformed", message: "bytes after the signature" });
  });

  it("reads a ciphertext length with its top bit set as a large unsigned length, not a negative one", () => {
    const hb = encodeHeader(v.header);
    const head = signedPart(hb, new Uint8Array(ENC), new Uint8Array(0));
    head.set(u32(0x80000001), head.length - 4);
    expect(refusal(() => decode(head, 1 << 20))).toEqual({ code: "malformed", message: "envelope truncated in ciphertext" });
    // Each byte of the length counts at its own weight: 0x00010203 is 66051 bytes.
    const ct = new Uint8Array(0x00010203);
    expect(decode(framed(v.header, { ct }), 1 << 20).ct.length).toBe(0x00010203);
  });
});

describe("decode: the header's own rules", () => {
  const malformed = (h: Uint8Array | Header) => refusal(() => decode(framed(h), 1 << 20));

  it("refuses a header that is not UTF-8 JSON, or not of the schema, naming the field", () => {
    expect(malformed(Uint8Array.of(0xff, 0xfe))).toEqual({ code: "malformed", message: "the header is not UTF-8 JSON" });
    expect(malformed(utf8("{"))).toEqual({ code: "malformed", message: "the header is not UTF-8 JSON" });
    expect(malformed({ ...v.header, jti: "short" }).message).toMatch(/^header jti: /);
    expect(malformed(utf8("[]")).message).toMatch(/^header \(root\): /);
  });

  it("refuses a header not in canonical form, though it parses to the same object", () => {
    const spaced = utf8(JSON.stringify(v.header, null, 1));
    expect(malformed(spaced)).toEqual({ code: "malformed", message: "the header is not in canonical form" });
  });

  it("refuses a suite that differs in any one of its four algorithms", () => {
    for (const field of ["kem", "kdf", "aead", "sig"] as const) {
      const suite = { ...v.header.suite, [field]: "other" };
      expect(malformed({ ...v.header, suite }), field).toEqual({
        code: "unsupported_suite",
        message: `unsupported suite ${suite.kem}/${suite.kdf}/${suite.aead}/${suite.sig}`,
      });
    }
  });

  it("takes a validity of 0 to MAX_LIFETIME_SECONDS and refuses one ending before it starts or lasting longer", () => {
    const message = `the header's validity must be 0 to ${MAX_LIFETIME_SECONDS} seconds`;
    const at = (iat: number, exp: number) => decode(framed({ ...v.header, iat, exp }), 1 << 20).header;
    expect(at(1000, 1000).exp).toBe(1000);
    expect(at(1000, 1000 + MAX_LIFETIME_SECONDS).exp).toBe(1000 + MAX_LIFETIME_SECONDS);
    expect(malformed({ ...v.header, iat: 1000, exp: 999 })).toEqual({ code: "malformed", message });
    expect(malformed({ ...v.header, iat: 1000, exp: 1001 + MAX_LIFETIME_SECONDS })).toEqual({ code: "malformed", message });
  });
});

describe("a hello's card prefix", () => {
  const card = utf8('{"id":"x"}');
  const hello = (length: number, body: Uint8Array) => new Uint8Array([...u32(length), ...body]);

  it("splits the card from the envelope after it", () => {
    const r = decodeHello(hello(card.length, new Uint8Array([...card, 7, 8, 9])));
    expect(r.card).toEqual({ id: "x" });
    expect([...r.envelope]).toEqual([7, 8, 9]);
    expect(decodeHello(hello(card.length, card)).envelope.length).toBe(0);
  });

  it("refuses a body shorter than its length prefix, or than the card it announces", () => {
    expect(refusal(() => decodeHello(Uint8Array.of(0, 0, 0)))).toEqual({ code: "malformed", message: "hello truncated" });
    // Four bytes are enough to read the length: an empty card is then refused as JSON.
    expect(refusal(() => decodeHello(hello(0, new Uint8Array(0)))).code).toBe("bad_card");
    expect(refusal(() => decodeHello(hello(card.length + 1, card)))).toEqual({ code: "malformed", message: "hello truncated in the card" });
  });

  it("caps the card at MAX_CARD_BYTES before reading it, the length read unsigned", () => {
    expect(refusal(() => decodeHello(hello(MAX_CARD_BYTES + 1, card)))).toEqual({ code: "too_large", message: `card of ${MAX_CARD_BYTES + 1} bytes exceeds ${MAX_CARD_BYTES}` });
    expect(refusal(() => decodeHello(hello(MAX_CARD_BYTES, card))).code).toBe("malformed");
    expect(refusal(() => decodeHello(hello(0x80000000, card)))).toEqual({ code: "too_large", message: `card of ${0x80000000} bytes exceeds ${MAX_CARD_BYTES}` });
    // The length's bytes count at their weights: 0x00000102 is 258.
    expect(refusal(() => decodeHello(hello(0x0102, card)))).toEqual({ code: "malformed", message: "hello truncated in the card" });
    const big = new Uint8Array(0x0102).fill(0x20);
    big.set(card);
    expect(decodeHello(hello(0x0102, big)).card).toEqual({ id: "x" });
  });

  it("refuses a card that is not UTF-8 JSON", () => {
    expect(refusal(() => decodeHello(hello(2, Uint8Array.of(0xff, 0xfe))))).toEqual({ code: "bad_card", message: "the hello's card is not UTF-8 JSON" });
    expect(refusal(() => decodeHello(hello(1, utf8("{"))))).toEqual({ code: "bad_card", message: "the hello's card is not UTF-8 JSON" });
    // Invalid UTF-8 inside a JSON string: a lenient decoder would make it U+FFFD and parse it.
    expect(refusal(() => decodeHello(hello(3, Uint8Array.of(0x22, 0xff, 0x22))))).toEqual({ code: "bad_card", message: "the hello's card is not UTF-8 JSON" });
  });
});

describe.each([PATHS[1]!])("openEnvelope's checks on the %s path", () => {
  const iat = v.header.iat;
  const exp = v.header.exp;

  it("accepts from skew before iat to skew after exp, and not a second beyond", async () => {
    expect((await attempt(bytes, { now: iat - SKEW })).accepted).toBe(true);
    expect(await attempt(bytes, { now: iat - SKEW - 1 })).toMatchObject({ code: "not_yet_valid", message: "the envelope was issued in the future; check the sender's clock" });
    expect((await attempt(bytes, { now: exp + SKEW })).accepted).toBe(true);
    expect(await attempt(bytes, { now: exp + SKEW + 1 })).toMatchObject({ code: "expired", message: "the envelope has expired" });
  });

  it("seals the answer to the request's own key, whatever the caller does with its buffer afterwards", async () => {
    const copy = bytes.slice();
    const opened = await openEnvelope(copy, {
      self: { nodeId: bob!.nodeId, keys: { find: async () => key }, primitives: p },
      sender: async () => ({ verifier: aliceVerifier, version: "mcpfed/1" }),
      replay: { seen: async () => false, record: async () => true },
      now: v.now,
      skew: SKEW,
      method: "POST",
      path: v.header.path,
      maxBytes: 1 << 20,
    });
    copy.fill(0);
    expect(toBase64url(await opened.sealResponse(b(v.response.plaintext), b(v.response.nonce)))).toBe(v.response.sealed);
  });

  it("records the id under its sender until exp plus the skew, once it opens", async () => {
    const r = await attempt(bytes);
    expect(r.accepted).toBe(true);
    expect(r.recorded).toEqual([[v.header.from, v.header.jti, exp + SKEW]]);
  });

  it("refuses another recipient, method or path, naming what the envelope is bound to", async () => {
    expect(await attempt(bytes, { self: { nodeId: carol!.nodeId, keys: { find: async () => undefined }, primitives: p } })).toMatchObject({
      code: "wrong_recipient",
      message: `the envelope is addressed to ${v.header.to}`,
    });
    const wrongEndpoint = { code: "wrong_endpoint", message: `the envelope is bound to POST ${v.header.path}` };
    expect(await attempt(bytes, { method: "PUT" })).toMatchObject(wrongEndpoint);
    expect(await attempt(bytes, { path: "/federation/v1/other" })).toMatchObject(wrongEndpoint);
  });

  it("refuses an id seen before it checks anything costly, and one recorded meanwhile after it opens", async () => {
    const asked: string[] = [];
    const seen = await attempt(bytes, {
      replay: { seen: async (sender, jti) => (asked.push(`${sender} ${jti}`), true), record: async () => true },
      sender: async () => {
        throw new Error("the sender was looked up for a replayed envelope");
      },
    });
    expect(seen).toMatchObject({ code: "replayed", message: "this envelope was already received" });
    expect(asked).toEqual([`${v.header.from} ${v.header.jti}`]);
    expect(await attempt(bytes, { replay: { seen: async () => false, record: async () => false } })).toMatchObject({ code: "replayed", message: "this envelope was already received" });
  });

  it("refuses a version this node does not speak, and one other than the version agreed with the sender", async () => {
    expect(await attempt(bytes, { versions: ["mcpfed/2"] })).toMatchObject({ code: "unsupported_version", message: "this node does not speak mcpfed/1" });
    expect(await attempt(bytes, { versions: ["mcpfed/1", "mcpfed/2"], sender: async () => ({ verifier: aliceVerifier, version: "mcpfed/2" }) })).toMatchObject({
      code: "downgrade",
      message: "the envelope says mcpfed/1, but this node and the sender agreed on mcpfed/2",
    });
  });

  it("refuses a signature by another key, an unknown encryption key, and one that does not decrypt, recording nothing", async () => {
    const other = await compositeVerifier(p, carol!.signer.publicKey);
    const bad = await attempt(bytes, { sender: async () => ({ verifier: other, version: "mcpfed/1" }) });
    expect(bad).toMatchObject({ code: "bad_signature", message: "the envelope's signature does not verify with the sender's key", recorded: [] });
    const noKey = await attempt(bytes, { self: { nodeId: v.header.to, keys: { find: async () => undefined }, primitives: p } });
    expect(noKey).toMatchObject({ code: "unknown_key", message: `encryption key ${v.header.kid} is not current here; fetch this node's card again`, recorded: [] });
    const wrong = await xWing(p).fromSeed(new Uint8Array(32).fill(5));
    const wrongKey: KemKey = { epoch: 0, keyId: v.header.kid, ...wrong };
    const undecryptable = await attempt(bytes, { self: { nodeId: v.header.to, keys: { find: async () => wrongKey }, primitives: p } });
    expect(undecryptable).toMatchObject({ code: "decrypt_failed", message: "the envelope does not decrypt", recorded: [] });
  });

  it("asks the keyring for the header's key id at the time of opening", async () => {
    const asked: [string, number][] = [];
    const r = await attempt(bytes, {
      now: iat + 1,
      self: {
        nodeId: v.header.to,
        keys: {
          find: async (kid, now) => {
            asked.push([kid, now]);
            return undefined;
          },
        },
        primitives: p,
      },
    });
    expect(r).toMatchObject({ code: "unknown_key" });
    expect(asked).toEqual([[v.header.kid, iat + 1]]);
  });
});
