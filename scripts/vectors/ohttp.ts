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
import { paddedLengths, PaddingError } from "../../src/protocol/routes/ohttp/padding.ts";
import { ohttpRelayRequest, ohttpRelayResult } from "../../src/protocol/routes/ohttp/relay-message.ts";
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
  agree("decapsulated request, padded", b64(requestBytes), b64(opened.request.subarray(0, requestBytes.length)));
  const sealedResponse = await opened.sealResponse(responseBytes, nonce);
  const openedResponse = await sealed.openResponse(sealedResponse);
  agree("opened response, padded", b64(responseBytes), b64(openedResponse.subarray(0, responseBytes.length)));
  agree("padded lengths", [paddedLengths("request")[0], paddedLengths("response")[0]], [sealed.bytes.length, sealedResponse.length]);

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
    { name: "one byte short of its bucket", bytes: sealed.bytes.subarray(0, sealed.bytes.length - 1), code: "bad_padding", status: 400 },
    { name: "one byte over its bucket", bytes: concat(sealed.bytes, new Uint8Array(1)), code: "bad_padding", status: 400 },
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

  // Padding (§13.3.1): two calls of different lengths seal to one length; a bucket's length
  // whose padding is not zeros opens, and is refused when decoded.
  const shortCall = { ...call, arguments: { message: "hi" } };
  const longCall = { ...call, arguments: { message: "a longer message that still fits the smallest bucket" } };
  const sameBucket = [];
  for (const [i, c] of [shortCall, longCall].entries()) {
    const bhttp = encodeRequest(anonymousCallRequest(gateway, c));
    const bytes = (await encapsulateRequest(p, config, bhttp, counting(0x20 + i, 64))).bytes;
    sameBucket.push({ message: c, bhttpLength: bhttp.length, ekm: b64(counting(0x20 + i, 64)), bytes: b64(bytes) });
  }
  agree("two lengths, one bucket", sameBucket[0]!.bytes.length, sameBucket[1]!.bytes.length);
  const dirty = (plaintext: Uint8Array, length: number) => {
    const out = new Uint8Array(length);
    out.set(plaintext);
    out[length - 1] = 0x07;
    return out;
  };
  const dirtyRequest = await encapsulateRequest(p, config, dirty(requestBytes, paddedLengths("request")[0]! - 1143), counting(0x30, 64));
  const dirtyOpened = await decapsulateRequest(p, dirtyRequest.bytes, keys, 64 * 1024);
  const dirtyResponse = await dirtyOpened.sealResponse(dirty(responseBytes, paddedLengths("response")[0]! - 48), nonce);
  const refusedAs = async (what: string, f: () => unknown) => {
    const err = await Promise.resolve().then(f).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof PaddingError)) throw new Error(`${what}: must be refused as bad_padding, got ${String(err)}`);
    return err.code;
  };
  const padding = {
    paddedLengths: { request: paddedLengths("request"), response: paddedLengths("response") },
    sameBucket,
    refused: [
      {
        name: "a request whose padding is not zeros",
        at: "decode request",
        ekm: b64(counting(0x30, 64)),
        bytes: b64(dirtyRequest.bytes),
        code: await refusedAs("dirty request", async () => decodeRequest((await decapsulateRequest(p, dirtyRequest.bytes, keys, 64 * 1024)).request, 1 << 20)),
      },
      {
        name: "a response whose padding is not zeros",
        at: "decode response",
        requestEkm: b64(counting(0x30, 64)),
        bytes: b64(dirtyResponse),
        code: await refusedAs("dirty response", async () => decodeResponse(await dirtyRequest.openResponse(dirtyResponse), 1 << 20)),
      },
      {
        name: "a response one byte over its bucket",
        at: "open response",
        requestEkm: b64(ekm),
        bytes: b64(concat(sealedResponse, new Uint8Array(1))),
        code: await refusedAs("long response", () => sealed.openResponse(concat(sealedResponse, new Uint8Array(1)))),
      },
    ],
  };

  // The relay message between peers (§13.6), valid and not.
  const relayRequest = { type: "ohttp-relay", gateway, request: b64(sealed.bytes) };
  const relayed = { type: "ohttp-relayed", response: b64(sealedResponse) };
  const relayRefused = { type: "ohttp-refused", code: "gateway_refused", gatewayCode: "unknown_key", message: "the gateway refused the request: unknown_key" };
  const relay = {
    valid: [
      { schema: "request", message: relayRequest },
      { schema: "result", message: relayed },
      { schema: "result", message: relayRefused },
    ],
    invalid: [
      { name: "a gateway that is no node id", schema: "request", message: { ...relayRequest, gateway: "c" } },
      { name: "a request that is not base64url", schema: "request", message: { ...relayRequest, request: "a+b/" } },
      { name: "a caller named beside the request", schema: "request", message: { ...relayRequest, from: gateway } },
      { name: "a refusal code not in §13.6", schema: "result", message: { ...relayRefused, code: "teapot" } },
    ],
  };
  for (const v of relay.valid) agree(`relay ${v.schema}`, true, (v.schema === "request" ? ohttpRelayRequest : ohttpRelayResult).safeParse(v.message).success);
  for (const v of relay.invalid) agree(`relay ${v.name}`, false, (v.schema === "request" ? ohttpRelayRequest : ohttpRelayResult).safeParse(v.message).success);

  write("ohttp.json", {
    about: "Oblivious HTTP with X-Wing (docs/protocol.md §13). Bytes are base64url; the encapsulation uses fixed KEM randomness (ekm) and a fixed response nonce.",
    keyConfig: { seed: b64(seed), kid, pub: b64(key.publicKey), keyId: ohttpKeyId(kid), bytes: b64(encodeKeyConfig(config)) },
    anonymousCall: { gateway, message: call, bhttp: b64(requestBytes) },
    request: { ekm: b64(ekm), enc: b64(sealed.enc), plaintext: b64(opened.request), bytes: b64(sealed.bytes) },
    response: { answer, bhttp: b64(responseBytes), plaintext: b64(openedResponse), nonce: b64(nonce), bytes: b64(sealedResponse) },
    padding,
    refusals: refusedRequests.map((r) => ({ name: r.name, bytes: b64(r.bytes), code: r.code, status: r.status, maxBytes: 64 * 1024 })),
    bhttp: { valid: decoded, invalid },
    relay,
    invalidCalls: [
      { name: "no fingerprint", message: { type: "anonymous-call", key: "everything/echo", iat: 1 } },
      { name: "an extra field", message: { ...call, from: "somebody" } },
      { name: "a malformed key", message: { ...call, key: "../etc" } },
      { name: "too many tokens", message: { ...call, tokens: Array.from({ length: 33 }, () => "A".repeat(472)) } },
      { name: "a token that is not one", message: { ...call, tokens: ["AAAA"] } },
      { name: "a negative iat", message: { ...call, iat: -1 } },
    ],
  });
}
