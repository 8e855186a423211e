// Oblivious HTTP vectors (docs/protocol.md §13): a key configuration from a card key, Binary
// HTTP messages, an anonymous call encapsulated with fixed randomness and its encapsulated
// answer, and requests the gateway must refuse, each with its code.
import { concat, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { keyId } from "../../src/protocol/identity/keys.ts";
import { xWing, XWING_ALG } from "../../src/protocol/identity/xwing.ts";
import { anonymousAnswerResponse, anonymousCallRequest, type AnonymousAnswer, type AnonymousCall } from "../../src/protocol/routes/ohttp/anonymous-call.ts";
import { BinaryHttpError, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from "../../src/protocol/routes/ohttp/binary-http.ts";
import { decapsulateRequest, encapsulateRequest } from "../../src/protocol/routes/ohttp/encapsulation.ts";
import { GatewayError } from "../../src/protocol/routes/ohttp/errors.ts";
import { encodeKeyConfig, keyConfigOf, ohttpKeyId } from "../../src/protocol/routes/ohttp/key-config.ts";
import { agree, b64, counting, p, write } from "./common.ts";

export async function ohttpVectors(): Promise<void> {
  const x = xWing(p);
  const seed = counting(0x40);
  const key = await x.fromSeed(seed);
  const kid = await keyId(XWING_ALG, key.publicKey);
  const config = keyConfigOf({ kid, pub: b64(key.publicKey) });
  const gateway = "uefqlkt2io7xlxaorsldhnpbananvhry";

  const call: AnonymousCall = {
    type: "anonymous-call",
    key: "everything/echo",
    fingerprint: `sha256:${"ab".repeat(32)}`,
    arguments: { message: "hello from nobody" },
    iat: 1_767_225_720,
  };
  const request = anonymousCallRequest(gateway, call);
  const requestBytes = encodeRequest(request);
  const ekm = counting(0x10, 64);
  const sealed = await encapsulateRequest(p, config, requestBytes, ekm);
  const answer: AnonymousAnswer = { ok: true, result: { content: [{ type: "text", text: "Echo: hello from nobody" }] } };
  const responseBytes = encodeResponse(anonymousAnswerResponse(answer));
  const nonce = counting(0x60);
  const keys = [{ keyId: config.keyId, privateKey: key.privateKey }];
  const opened = await decapsulateRequest(p, sealed.bytes, keys, 64 * 1024);
  agree("decapsulated request", b64(requestBytes), b64(opened.request));
  const sealedResponse = await opened.sealResponse(responseBytes, nonce);
  agree("opened response", b64(responseBytes), b64(await sealed.openResponse(sealedResponse)));

  const flip = (bytes: Uint8Array, at: number) => {
    const out = bytes.slice();
    out[at]! ^= 0x01;
    return out;
  };
  const refusedRequests = [
    { name: "wrong key id", bytes: concat(Uint8Array.of((config.keyId + 1) & 0xff), sealed.bytes.subarray(1)), code: "unknown_key", status: 400 },
    { name: "another KEM", bytes: flip(sealed.bytes, 2), code: "unsupported_suite", status: 400 },
    { name: "another AEAD", bytes: flip(sealed.bytes, 6), code: "unsupported_suite", status: 400 },
    { name: "tampered ciphertext", bytes: flip(sealed.bytes, sealed.bytes.length - 20), code: "decrypt_failed", status: 400 },
    { name: "tampered tag", bytes: flip(sealed.bytes, sealed.bytes.length - 1), code: "decrypt_failed", status: 400 },
    { name: "tampered enc", bytes: flip(sealed.bytes, 100), code: "decrypt_failed", status: 400 },
    { name: "truncated", bytes: sealed.bytes.subarray(0, 7 + 1120 + 15), code: "malformed", status: 400 },
    { name: "oversize", bytes: concat(sealed.bytes, new Uint8Array(64 * 1024)), code: "too_large", status: 413 },
  ];
  for (const r of refusedRequests) {
    const err = await decapsulateRequest(p, r.bytes, keys, 64 * 1024).then(
      () => undefined,
      (e: unknown) => e,
    );
    agree(`refusal ${r.name}`, { code: r.code, status: r.status }, err instanceof GatewayError ? { code: err.code, status: err.status } : String(err));
  }

  // Binary HTTP beyond the anonymous call: a request with a header and trailers omitted, padding,
  // a response after an informational one, and malformed messages.
  const bhttpValid = [
    { name: "anonymous-call request", kind: "request", bytes: requestBytes },
    { name: "request truncated after its content (§3.8)", kind: "request", bytes: requestBytes.subarray(0, requestBytes.length - 1) },
    { name: "request with padding", kind: "request", bytes: concat(requestBytes, new Uint8Array(5)) },
    { name: "answer response", kind: "response", bytes: responseBytes },
    {
      name: "response after a 103",
      kind: "response",
      bytes: concat(Uint8Array.of(0x01, 0x40, 0x67, 0x06, 0x04), utf8("link"), Uint8Array.of(0x00), responseBytes.subarray(1)),
    },
  ];
  const decoded = bhttpValid.map((v) => {
    const d = v.kind === "request" ? decodeRequest(v.bytes, 1 << 20) : decodeResponse(v.bytes, 1 << 20);
    return { name: v.name, kind: v.kind, bytes: b64(v.bytes), decoded: { ...d, content: b64(d.content) } };
  });
  const bhttpInvalid = [
    { name: "indeterminate-length request", kind: "request", bytes: concat(Uint8Array.of(0x02), requestBytes.subarray(1)) },
    { name: "a response's framing where a request is read", kind: "request", bytes: responseBytes },
    { name: "content length past the end", kind: "request", bytes: requestBytes.subarray(0, requestBytes.length - 20) },
    { name: "non-zero bytes after the message", kind: "request", bytes: concat(requestBytes, Uint8Array.of(0x00, 0x07)) },
    // Written by hand: the encoder refuses an upper-case name.
    {
      name: "upper-case field name",
      kind: "request",
      bytes: concat(Uint8Array.of(0x00, 0x04), utf8("POST"), Uint8Array.of(0x05), utf8("https"), Uint8Array.of(0x00, 0x01), utf8("/"), Uint8Array.of(0x06, 0x01), utf8("A"), Uint8Array.of(0x03), utf8("b c"), Uint8Array.of(0x00, 0x00)),
    },
    { name: "varint cut short", kind: "response", bytes: Uint8Array.of(0x01, 0x40) },
    { name: "status 99", kind: "response", bytes: Uint8Array.of(0x01, 0x40, 0x63, 0x00, 0x00, 0x00) },
  ];
  const invalid = bhttpInvalid.map((v) => {
    try {
      if (v.kind === "request") decodeRequest(v.bytes, 1 << 20);
      else decodeResponse(v.bytes, 1 << 20);
    } catch (err) {
      if (err instanceof BinaryHttpError) return { name: v.name, kind: v.kind, bytes: b64(v.bytes), error: err.message };
      throw err;
    }
    throw new Error(`${v.name}: decoded, but must be refused`);
  });

  write("ohttp.json", {
    about: "Oblivious HTTP with X-Wing (docs/protocol.md §13). Bytes are base64url; the encapsulation uses fixed KEM randomness (ekm) and a fixed response nonce.",
    keyConfig: { seed: b64(seed), kid, pub: b64(key.publicKey), keyId: ohttpKeyId(kid), bytes: b64(encodeKeyConfig(config)) },
    anonymousCall: { gateway, message: call, bhttp: b64(requestBytes) },
    request: { ekm: b64(ekm), enc: b64(sealed.enc), bytes: b64(sealed.bytes) },
    response: { answer, bhttp: b64(responseBytes), nonce: b64(nonce), bytes: b64(sealedResponse) },
    refusals: refusedRequests.map((r) => ({ name: r.name, bytes: b64(r.bytes), code: r.code, status: r.status, maxBytes: 64 * 1024 })),
    bhttp: { valid: decoded, invalid },
    invalidCalls: [
      { name: "no fingerprint", message: { type: "anonymous-call", key: "everything/echo", iat: 1 } },
      { name: "an extra field", message: { ...call, from: "somebody" } },
      { name: "a malformed key", message: { ...call, key: "../etc" } },
      { name: "too many tokens", message: { ...call, tokens: Array.from({ length: 65 }, () => "AAAA") } },
      { name: "a negative iat", message: { ...call, iat: -1 } },
    ],
  });
}
