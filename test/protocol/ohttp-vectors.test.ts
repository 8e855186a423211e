// Oblivious HTTP with X-Wing (docs/protocol.md §13) against test/vectors/ohttp.json: the key
// configuration, the anonymous call in Binary HTTP, its encapsulation resealed from the fixed
// randomness and opened on every crypto path and by an unmodified HPKE, the encapsulated answer,
// and every refusal with its code.
import { Aes256Gcm, CipherSuite, HkdfSha256 } from "@hpke/core";
import { XWing } from "@hpke/hybridkem-x-wing";
import { createDecipheriv, hkdfSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { concat, fromBase64url, toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { keyId } from "../../src/protocol/identity/keys.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble } from "../../src/protocol/identity/primitives.ts";
import { xWing, XWING_ALG } from "../../src/protocol/identity/xwing.ts";
import { anonymousAnswerResponse, anonymousCall, anonymousCallRequest, readAnonymousAnswer, readAnonymousCall, type AnonymousAnswer, type AnonymousCall } from "../../src/protocol/routes/ohttp/anonymous-call.ts";
import { BinaryHttpError, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from "../../src/protocol/routes/ohttp/binary-http.ts";
import { decapsulateRequest, encapsulateRequest } from "../../src/protocol/routes/ohttp/encapsulation.ts";
import { GatewayError } from "../../src/protocol/routes/ohttp/errors.ts";
import { encodeKeyConfig, keyConfigOf, ohttpKeyId } from "../../src/protocol/routes/ohttp/key-config.ts";
import { OHTTP_BUCKETS, paddedLengths, padPlaintext, PaddingError } from "../../src/protocol/routes/ohttp/padding.ts";
import { ohttpRelayRequest, ohttpRelayResult } from "../../src/protocol/routes/ohttp/relay-message.ts";
import { bucketFor, ONION_BUCKETS } from "../../src/protocol/routes/onion/sizes.ts";
import { PATHS, vector } from "./paths.ts";

interface OhttpVector {
  keyConfig: { seed: string; kid: string; pub: string; keyId: number; bytes: string };
  anonymousCall: { gateway: string; message: AnonymousCall; bhttp: string };
  request: { ekm: string; enc: string; plaintext: string; bytes: string };
  response: { answer: AnonymousAnswer; bhttp: string; plaintext: string; nonce: string; bytes: string };
  padding: {
    paddedLengths: { request: number[]; response: number[] };
    sameBucket: { message: AnonymousCall; bhttpLength: number; ekm: string; bytes: string }[];
    refused: { name: string; at: "decode request" | "decode response" | "open response"; ekm?: string; requestEkm?: string; bytes: string; code: string }[];
  };
  refusals: { name: string; bytes: string; code: string; status: number; maxBytes: number }[];
  bhttp: {
    valid: { name: string; kind: "request" | "response"; bytes: string; decoded: Record<string, unknown> }[];
    invalid: { name: string; kind: "request" | "response"; bytes: string; error: string }[];
  };
  invalidCalls: { name: string; message: unknown }[];
  relay: { valid: { schema: "request" | "result"; message: unknown }[]; invalid: { name: string; schema: "request" | "result"; message: unknown }[] };
}

const v = vector<OhttpVector>("ohttp.json");
const b = fromBase64url;
const keysOn = async (p: typeof noble) => [{ keyId: v.keyConfig.keyId, privateKey: (await xWing(p).fromSeed(b(v.keyConfig.seed))).privateKey }];

describe("the key configuration", () => {
  it("is the card key's, with the key id from its kid", async () => {
    const key = await xWing(noble).fromSeed(b(v.keyConfig.seed));
    expect(toBase64url(key.publicKey)).toBe(v.keyConfig.pub);
    expect(await keyId(XWING_ALG, key.publicKey)).toBe(v.keyConfig.kid);
    // The key id is the first byte of the key's thumbprint, which the kid spells in base32.
    const thumbprint = new Uint8Array(await crypto.subtle.digest("SHA-256", concat(utf8(XWING_ALG), Uint8Array.of(0), key.publicKey)));
    expect(ohttpKeyId(v.keyConfig.kid)).toBe(thumbprint[0]);
    expect(v.keyConfig.keyId).toBe(thumbprint[0]);
    const bytes = encodeKeyConfig(keyConfigOf({ kid: v.keyConfig.kid, pub: v.keyConfig.pub }));
    expect(toBase64url(bytes)).toBe(v.keyConfig.bytes);
    // RFC 9458 §3.1: key id, KEM 0x647a, the key, 4 bytes of suites: HKDF-SHA256, AES-256-GCM.
    expect([...bytes.subarray(0, 3)]).toEqual([v.keyConfig.keyId, 0x64, 0x7a]);
    expect([...bytes.subarray(3 + 1216)]).toEqual([0, 4, 0, 1, 0, 2]);
  });
});

describe("the anonymous call in Binary HTTP", () => {
  it("encodes to the vector's bytes and reads back, addressed to its gateway only", () => {
    const request = anonymousCallRequest(v.anonymousCall.gateway, v.anonymousCall.message);
    expect(toBase64url(encodeRequest(request))).toBe(v.anonymousCall.bhttp);
    const decoded = decodeRequest(b(v.anonymousCall.bhttp), 1 << 20);
    expect(readAnonymousCall(decoded, v.anonymousCall.gateway)).toEqual(v.anonymousCall.message);
    expect(readAnonymousCall(decoded, "a".repeat(32))).toMatch(/another gateway/);
    expect(readAnonymousCall({ ...decoded, path: "/other" }, v.anonymousCall.gateway)).toMatch(/only POST/);
    expect(readAnonymousCall({ ...decoded, content: utf8("{") }, v.anonymousCall.gateway)).toMatch(/not an anonymous-call/);
  });

  it.each(v.invalidCalls.map((c) => [c.name, c.message] as const))("refuses a call with %s", (_name, message) => {
    expect(anonymousCall.safeParse(message).success).toBe(false);
    const request = { ...anonymousCallRequest(v.anonymousCall.gateway, v.anonymousCall.message), content: utf8(JSON.stringify(message)) };
    expect(readAnonymousCall(request, v.anonymousCall.gateway)).toBe("not an anonymous-call message");
  });

  it("carries the answer in a Binary HTTP response", () => {
    expect(toBase64url(encodeResponse(anonymousAnswerResponse(v.response.answer)))).toBe(v.response.bhttp);
    const decoded = decodeResponse(b(v.response.bhttp), 1 << 20);
    expect(decoded.status).toBe(200);
    expect(readAnonymousAnswer(decoded)).toEqual(v.response.answer);
    expect(anonymousAnswerResponse({ ok: false, error: { code: "payment_required", message: "m" } }).status).toBe(402);
  });
});

describe("Binary HTTP (RFC 9292)", () => {
  it.each(v.bhttp.valid.map((m) => [m.name, m] as const))("decodes %s", (_name, m) => {
    const d = m.kind === "request" ? decodeRequest(b(m.bytes), 1 << 20) : decodeResponse(b(m.bytes), 1 << 20);
    expect({ ...d, content: toBase64url(d.content) }).toEqual(m.decoded);
  });

  it.each(v.bhttp.invalid.map((m) => [m.name, m] as const))("refuses %s", (_name, m) => {
    const read = () => (m.kind === "request" ? decodeRequest(b(m.bytes), 1 << 20) : decodeResponse(b(m.bytes), 1 << 20));
    expect(read).toThrow(BinaryHttpError);
    expect(read).toThrow(m.error);
  });

  it("refuses content over the bound it is read with", () => {
    expect(() => decodeRequest(b(v.anonymousCall.bhttp), 16)).toThrow(/content over 16 bytes/);
  });
});

describe("the encapsulated request and response", () => {
  it("reseals to the vector's exact bytes from the fixed randomness", async () => {
    const p = { ...noble, mlDsa65: deterministicMlDsa65 };
    const sealed = await encapsulateRequest(p, keyConfigOf({ kid: v.keyConfig.kid, pub: v.keyConfig.pub }), b(v.anonymousCall.bhttp), b(v.request.ekm));
    expect(toBase64url(sealed.enc)).toBe(v.request.enc);
    expect(toBase64url(sealed.bytes)).toBe(v.request.bytes);
    expect(toBase64url(await sealed.openResponse(b(v.response.bytes)))).toBe(v.response.plaintext);
  });

  it.each(PATHS)("opens on the %s path and seals the vector's answer", async (_name, p) => {
    const opened = await decapsulateRequest(p, b(v.request.bytes), await keysOn(p), 64 * 1024);
    expect(toBase64url(opened.request)).toBe(v.request.plaintext);
    expect(toBase64url(opened.enc)).toBe(v.request.enc);
    expect(toBase64url(await opened.sealResponse(b(v.response.bhttp), b(v.response.nonce)))).toBe(v.response.bytes);
  });

  it.each(PATHS)("round-trips on the %s path with fresh randomness", async (_name, p) => {
    const key = await xWing(p).fromSeed(b(v.keyConfig.seed));
    const sealed = await encapsulateRequest(p, { keyId: v.keyConfig.keyId, publicKey: key.publicKey }, utf8("x"));
    const opened = await decapsulateRequest(noble, sealed.bytes, await keysOn(noble), 64 * 1024);
    expect(sealed.bytes.length).toBe(paddedLengths("request")[0]);
    expect(opened.request).toEqual(padPlaintext("request", utf8("x"), 1143));
    const answer = await opened.sealResponse(utf8("y"));
    expect(answer.length).toBe(paddedLengths("response")[0]);
    expect(await sealed.openResponse(answer)).toEqual(padPlaintext("response", utf8("y"), 48));
  });

  it("tries both keys when the current and previous share a key id", async () => {
    const other = await xWing(noble).fromSeed(new Uint8Array(32).fill(9));
    const keys = [{ keyId: v.keyConfig.keyId, privateKey: other.privateKey }, ...(await keysOn(noble))];
    expect(toBase64url((await decapsulateRequest(noble, b(v.request.bytes), keys, 64 * 1024)).request)).toBe(v.request.plaintext);
  });

  it("decrypts with an unmodified HPKE (@hpke/core, @hpke/hybridkem-x-wing), the answer with node:crypto", async () => {
    const bytes = b(v.request.bytes);
    const hdr = bytes.subarray(0, 7);
    const enc = bytes.subarray(7, 7 + 1120);
    const kem = new XWing();
    const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Aes256Gcm() });
    const recipientKey = await kem.generateKeyPairDerand(b(v.keyConfig.seed));
    const info = concat(utf8("message/bhttp request"), Uint8Array.of(0), hdr);
    const ctx = await suite.createRecipientContext({ recipientKey, enc, info });
    expect(toBase64url(new Uint8Array(await ctx.open(bytes.subarray(7 + 1120))))).toBe(v.request.plaintext);

    // RFC 9458 §4.4, step by step.
    const secret = new Uint8Array(await ctx.export(utf8("message/bhttp response"), 32));
    const sealed = b(v.response.bytes);
    const salt = concat(enc, sealed.subarray(0, 32));
    const key = new Uint8Array(hkdfSync("sha256", secret, salt, "key", 32));
    const iv = new Uint8Array(hkdfSync("sha256", secret, salt, "nonce", 12));
    const body = sealed.subarray(32);
    const decipher = createDecipheriv("aes-256-gcm", key, iv).setAuthTag(body.subarray(body.length - 16));
    expect(toBase64url(concat(decipher.update(body.subarray(0, body.length - 16)), decipher.final()))).toBe(v.response.plaintext);
  });

  it.each(v.refusals.map((r) => [r.name, r] as const))("refuses a request with %s", async (_name, r) => {
    const err = await decapsulateRequest(noble, b(r.bytes), await keysOn(noble), r.maxBytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect({ code: (err as GatewayError).code, status: (err as GatewayError).status }).toEqual({ code: r.code, status: r.status });
  });
});

describe("padding to buckets (§13.3.1)", () => {
  const keyConfig = () => keyConfigOf({ kid: v.keyConfig.kid, pub: v.keyConfig.pub });

  it("pads inside the plaintext with zeros after the Binary HTTP message, which decoding reads past", () => {
    const plaintext = b(v.request.plaintext);
    const bhttp = b(v.anonymousCall.bhttp);
    expect(plaintext.subarray(0, bhttp.length)).toEqual(bhttp);
    expect(plaintext.subarray(bhttp.length).every((x) => x === 0)).toBe(true);
    expect(plaintext.length).toBeGreaterThan(bhttp.length);
    expect(decodeRequest(plaintext, 1 << 20)).toEqual(decodeRequest(bhttp, 1 << 20));
    expect(readAnonymousAnswer(decodeResponse(b(v.response.plaintext), 1 << 20))).toEqual(v.response.answer);
  });

  it("has a padded length of each kind per bucket, filling an onion payload exactly", () => {
    expect(paddedLengths("request")).toEqual(v.padding.paddedLengths.request);
    expect(paddedLengths("response")).toEqual(v.padding.paddedLengths.response);
    expect(OHTTP_BUCKETS.slice(0, ONION_BUCKETS.length)).toEqual([...ONION_BUCKETS]);
    // A padded request and the onion's length prefix make the whole payload; a padded response,
    // the exit's tag byte, length prefix and MAC make the whole reply.
    for (const [i, length] of paddedLengths("request").slice(0, ONION_BUCKETS.length).entries()) {
      expect(bucketFor(length)).toBe(ONION_BUCKETS[i]);
      expect(bucketFor(length + 1)).not.toBe(ONION_BUCKETS[i]);
    }
    for (const [i, length] of paddedLengths("response").slice(0, ONION_BUCKETS.length).entries()) {
      expect(bucketFor(length + 1, true)).toBe(ONION_BUCKETS[i]);
      expect(bucketFor(length + 2, true)).not.toBe(ONION_BUCKETS[i]);
    }
  });

  it("seals two calls of different lengths in one bucket to encapsulated requests of one length", async () => {
    const [short, long] = v.padding.sameBucket;
    expect(short!.bhttpLength).not.toBe(long!.bhttpLength);
    const sealed = [];
    for (const c of [short!, long!]) {
      const bhttp = encodeRequest(anonymousCallRequest(v.anonymousCall.gateway, c.message));
      expect(bhttp.length).toBe(c.bhttpLength);
      const s = await encapsulateRequest(noble, keyConfig(), bhttp, b(c.ekm));
      expect(toBase64url(s.bytes)).toBe(c.bytes);
      sealed.push(s.bytes);
      const opened = await decapsulateRequest(noble, s.bytes, await keysOn(noble), 64 * 1024);
      expect(readAnonymousCall(decodeRequest(opened.request, 1 << 20), v.anonymousCall.gateway)).toEqual(c.message);
    }
    expect(sealed[0]!.length).toBe(sealed[1]!.length);
    expect(sealed[0]!.length).toBe(paddedLengths("request")[0]);
  });

  it("goes up a bucket only when the message does not fit, and refuses one that fits none", () => {
    const room = paddedLengths("request")[0]! - 1143;
    expect(padPlaintext("request", new Uint8Array(room), 1143).length).toBe(room);
    expect(padPlaintext("request", new Uint8Array(room + 1), 1143).length).toBe(paddedLengths("request")[1]! - 1143);
    expect(() => padPlaintext("request", new Uint8Array(OHTTP_BUCKETS.at(-1)!), 1143)).toThrow(PaddingError);
  });

  it.each(v.padding.refused.map((r) => [r.name, r] as const))("refuses %s as bad_padding", async (_name, r) => {
    const keys = await keysOn(noble);
    let err: unknown;
    if (r.at === "decode request") {
      const opened = await decapsulateRequest(noble, b(r.bytes), keys, 64 * 1024);
      err = (() => {
        try {
          return decodeRequest(opened.request, 1 << 20);
        } catch (e) {
          return e;
        }
      })();
    } else {
      // The response is opened by the request it answers, resealed from the same randomness.
      const request = await encapsulateRequest(noble, keyConfig(), b(v.anonymousCall.bhttp), b(r.requestEkm!));
      err = await request.openResponse(b(r.bytes)).then(
        (plaintext) => {
          try {
            return decodeResponse(plaintext, 1 << 20);
          } catch (e) {
            return e;
          }
        },
        (e: unknown) => e,
      );
    }
    expect(err).toBeInstanceOf(PaddingError);
    expect((err as PaddingError).code).toBe(r.code);
    expect((err as PaddingError).status).toBe(400);
  });
});

describe("the relay message (§13.6)", () => {
  const schema = (name: "request" | "result") => (name === "request" ? ohttpRelayRequest : ohttpRelayResult);

  it.each(v.relay.valid.map((m) => [`${m.schema} ${(m.message as { type: string }).type}`, m] as const))("reads a %s", (_name, m) => {
    expect(schema(m.schema).parse(m.message)).toEqual(m.message);
  });

  it.each(v.relay.invalid.map((m) => [m.name, m] as const))("refuses %s", (_name, m) => {
    expect(schema(m.schema).safeParse(m.message).success).toBe(false);
  });

  it("carries the vector's request and response bytes unchanged", () => {
    expect(ohttpRelayRequest.parse(v.relay.valid[0]!.message).request).toBe(v.request.bytes);
    expect((ohttpRelayResult.parse(v.relay.valid[1]!.message) as { response: string }).response).toBe(v.response.bytes);
  });
});
