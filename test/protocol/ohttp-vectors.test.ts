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
import { PATHS, vector } from "./paths.ts";

interface OhttpVector {
  keyConfig: { seed: string; kid: string; pub: string; keyId: number; bytes: string };
  anonymousCall: { gateway: string; message: AnonymousCall; bhttp: string };
  request: { ekm: string; enc: string; bytes: string };
  response: { answer: AnonymousAnswer; bhttp: string; nonce: string; bytes: string };
  refusals: { name: string; bytes: string; code: string; status: number; maxBytes: number }[];
  bhttp: {
    valid: { name: string; kind: "request" | "response"; bytes: string; decoded: Record<string, unknown> }[];
    invalid: { name: string; kind: "request" | "response"; bytes: string; error: string }[];
  };
  invalidCalls: { name: string; message: unknown }[];
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
    expect(toBase64url(await sealed.openResponse(b(v.response.bytes)))).toBe(v.response.bhttp);
  });

  it.each(PATHS)("opens on the %s path and seals the vector's answer", async (_name, p) => {
    const opened = await decapsulateRequest(p, b(v.request.bytes), await keysOn(p), 64 * 1024);
    expect(toBase64url(opened.request)).toBe(v.anonymousCall.bhttp);
    expect(toBase64url(opened.enc)).toBe(v.request.enc);
    expect(toBase64url(await opened.sealResponse(b(v.response.bhttp), b(v.response.nonce)))).toBe(v.response.bytes);
  });

  it.each(PATHS)("round-trips on the %s path with fresh randomness", async (_name, p) => {
    const key = await xWing(p).fromSeed(b(v.keyConfig.seed));
    const sealed = await encapsulateRequest(p, { keyId: v.keyConfig.keyId, publicKey: key.publicKey }, utf8("x"));
    const opened = await decapsulateRequest(noble, sealed.bytes, await keysOn(noble), 64 * 1024);
    expect(new TextDecoder().decode(opened.request)).toBe("x");
    expect(new TextDecoder().decode(await sealed.openResponse(await opened.sealResponse(utf8("y"))))).toBe("y");
  });

  it("tries both keys when the current and previous share a key id", async () => {
    const other = await xWing(noble).fromSeed(new Uint8Array(32).fill(9));
    const keys = [{ keyId: v.keyConfig.keyId, privateKey: other.privateKey }, ...(await keysOn(noble))];
    expect(toBase64url((await decapsulateRequest(noble, b(v.request.bytes), keys, 64 * 1024)).request)).toBe(v.anonymousCall.bhttp);
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
    expect(toBase64url(new Uint8Array(await ctx.open(bytes.subarray(7 + 1120))))).toBe(v.anonymousCall.bhttp);

    // RFC 9458 §4.4, step by step.
    const secret = new Uint8Array(await ctx.export(utf8("message/bhttp response"), 32));
    const sealed = b(v.response.bytes);
    const salt = concat(enc, sealed.subarray(0, 32));
    const key = new Uint8Array(hkdfSync("sha256", secret, salt, "key", 32));
    const iv = new Uint8Array(hkdfSync("sha256", secret, salt, "nonce", 12));
    const body = sealed.subarray(32);
    const decipher = createDecipheriv("aes-256-gcm", key, iv).setAuthTag(body.subarray(body.length - 16));
    expect(toBase64url(concat(decipher.update(body.subarray(0, body.length - 16)), decipher.final()))).toBe(v.response.bhttp);
  });

  it.each(v.refusals.map((r) => [r.name, r] as const))("refuses a request with %s", async (_name, r) => {
    const err = await decapsulateRequest(noble, b(r.bytes), await keysOn(noble), r.maxBytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect({ code: (err as GatewayError).code, status: (err as GatewayError).status }).toEqual({ code: r.code, status: r.status });
  });
});
