// Privacy Pass vectors (test/vectors/tokens.json, docs/protocol.md §15): a fixed test issuer key,
// the challenge, one issuance with the consumer's randomness fixed (nonce, blind, PSS salt), the
// token it yields, and tokens redemption must refuse: under another key, altered, for another
// issuer's challenge, of an expired key; plus the sale message's schema and the token price rule.
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { challengeDigest, issuerChallenge } from "../../src/protocol/tokens/challenge.ts";
import { buildDirectory, keyToBuy } from "../../src/protocol/tokens/directory.ts";
import { blindTokenRequests, signTokenRequests } from "../../src/protocol/tokens/issuance.ts";
import { importPrivateKey, importPublicKey, keyStateAt, tokenKeyId } from "../../src/protocol/tokens/issuer-key.ts";
import { saleRequestHash, saleResultHash, tokenSaleRequest } from "../../src/protocol/tokens/sale.ts";
import { parseToken, verifyToken } from "../../src/protocol/tokens/token.ts";
import { tokensFor } from "../../src/protocol/tokens/value.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { agree, b64, hex, write } from "./common.ts";

/** A test issuer's private key (PKCS#8, RSA 2048): made once for these vectors, never used elsewhere. */
export const TEST_ISSUER_PKCS8 = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDQn6M6TyDMK14rJ4tEH7WRNChvpksoXqYo9BfYsnTddW7MiUDM7vYO3eRniUxxjcIULTLgM8iKxwMw0ur2GwJAYFi3Qm7CjMnTpGYAcvT6d2VdBznViz01MnjbyVWOLW_uJqcbD_0jIC5z7yBidIrnWDWYlqyD_gKGC5h5SFh9YTSNHzfQ6rCBdNhoJF2_nWaSB-FYY9VR2x9WY9rlfCKQhZZo3zERcjrLlgAMGXDa5LdDyZ9N1rGJ1jjPv2y640i8EqbwgNYChTNrAzk6iZD2ZqGe5_v9-d3wnQj_AmVlU5IYBumi7oDk7MBWR8gNoGd20NGAEzoLsKL331xLETFrAgMBAAECggEAVZdBCPGg05LxUgQpw1u9CqMa-d-AU0Itqnymce2ZO6hrujePYeSiB6xqgj3WonnVx6BZkJk-LA2FFhlac3jWPiIpE5qKRYAsZ4u5m3KOZlnouLd3t1AmXvZjlkxuMOQcWVj7UwOGx8vysvbG0w3cVRif-IfMpGRolaUZO5z-TQV_Q1MlBi17l0Rr-2IkZOdFMJnFcZ3D0EcDqBiUJ0NAG3pMseTW8y3fKX7jqxcgpVljoMkQgrrhiCPymFFY5tID55g1RQok-JyiQMpvedKU8lXSrBgLkRldpICg1FJQyGuJKFdjxJOg79EBsKYQP5dKJmzIcKuOE7V2wwAjlpncwQKBgQD_8ven5AW7ITbim7gu3tdjMXdu6zr5WfLu-wN3dCUzUZrWiv407rnAbjGjPFnJsfBgG_cRqti3LN_tYqp2qEhggCB_Icf1_ThIeEQGEsXESMSJsfdqdCZvdy92oZEY5fLeQj1CwXOZwodW22buK765kjHPMUF9nfwqyyaU27n6QQKBgQDQqkKs1VHm2CMUXjgE0pmFG-EHYZM8KQJbwNiRG5G28ezRlW_T1lCn9UcaPCw3NeJDx0HRxGrJuV_lcUgAhUJ2iUkBBU7JGJlNcMWWAtFE9utwiPJN-ZOJnGHhoQvP1boQAXwNrlVcX6Q5F45WRlWI_eVKarJ_4sHzoFVVosUIqwKBgQD1vIb-kLTX55nUlAGQLq_JMtMikYJ7qVrPC_1WERMuZGkvFx_eHl4FXUcXHHhwaAELpY3fTpLnu5P7TMGxTvy-egW5Seu8R7RkD-PvmNJ8FAlu0oljkcTdPCc71P-EUjKOJja_AxFETTq3r8rxXNqvPKfJ79abDrXvOEEApr22gQKBgBtc2FV1u8G7wg3ftRTc0QjleQLQxs_yyL5jcYLFzLviyZ1KLVnoFrePsH0-OsYaqMsejAEH8sD1MCAUVM7MqsSEiDA8E_LG6QOAsEhVoj-a6ZDeRHf5LGG1QhimV7gvXLDQoQXiQItWd2CNODsUCg9my_SQPUwL3kcmVUpfh9r1AoGAe4pVsJadYoZ34ej9ItPiox3zWg_iZ4qOPn9al747Xy-PfazAUnJWf8IDbgOn1jhW43TeYcgit3M2gnrJ6AuevqYz8b4rufT9HvAwtsbCbH0PO1sXDEl4XY2jLmn-c4MW7tXZIqx_HVZceBKsbf-UDsRRas4sqIe4fCSWPIw1PXQ";
/** Another 2048-bit issuer's public key (RFC 9578 encoding): the wrong key. */
export const OTHER_PUBLIC_KEY = "MIIBUjA9BgkqhkiG9w0BAQowMKANMAsGCWCGSAFlAwQCAqEaMBgGCSqGSIb3DQEBCDALBglghkgBZQMEAgKiAwIBMAOCAQ8AMIIBCgKCAQEA4cgRPovmgJ673R52HpBRFghHKuR6v4f5U3U2emNucMcfqRzTjHGhmCNzXOEvdhyXmwoRFM1Ntb_dNJJaZOJXxavrZl0BK6N9BdexMXTKouvF-l-JDUhhxe2rjXVvFRPbBrsVsxuBDtkuEsmb6ifpQAz0qxgJouzgLeneemgyaUZBCSFWrUs4U5aA2SM_eZN0zyweiiYfqn2Hl8ojRtep5xD2ATWP5BnNeF9x9UKZALCNlecsafVtMUMtmwn_v-0qSodegSAqL_v_3liTnEjMkGbWpYf1HmM3qeeik3ZWJsHf-ONn-s-pB9-CzzUCm29cAISeke2cTgWvD_BVjgG5QwIDAQAB";
export const ISSUER = "vector-issuer-node";
export const RANDOMNESS = "mcpfed/1 token vectors";

/**
 * The consumer's randomness, fixed: byte i of the stream is byte (i mod 32) of
 * SHA-256(RANDOMNESS || u32(i div 32)), counted across every getRandomValues call.
 */
export function fixedRandomness(): (buf: Uint8Array) => Uint8Array {
  let offset = 0;
  return (buf) => {
    for (let i = 0; i < buf.length; i++, offset++) {
      const block = Math.floor(offset / 32);
      const seed = new Uint8Array([...new TextEncoder().encode(RANDOMNESS), block >>> 24, (block >>> 16) & 0xff, (block >>> 8) & 0xff, block & 0xff]);
      buf[i] = sha256(seed)[offset % 32]!;
    }
    return buf;
  };
}

/** Runs `work` with crypto.getRandomValues fixed as above. */
export async function withFixedRandomness<T>(work: () => Promise<T>): Promise<T> {
  const original = crypto.getRandomValues;
  const fixed = fixedRandomness();
  crypto.getRandomValues = (<A extends ArrayBufferView | null>(array: A): A => {
    if (array) fixed(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    return array;
  }) as typeof crypto.getRandomValues;
  try {
    return await work();
  } finally {
    crypto.getRandomValues = original;
  }
}

const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, "base64url"));

export async function tokenVectors(): Promise<{ token: string; issuer: string; publicKey: string }> {
  const privateKey = fromB64(TEST_ISSUER_PKCS8);
  const jwk = await crypto.subtle.exportKey("jwk", await importPrivateKey(privateKey));
  const publicKeyCrypto = await crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, alg: "PS384" }, { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"]);
  const { publicVerif } = await import("@cloudflare/privacypass-ts");
  const publicKey = await publicVerif.getPublicKeyBytes(publicKeyCrypto);
  const keys = { publicKey, privateKey };
  const keyId = tokenKeyId(publicKey);

  const { request, token } = await withFixedRandomness(async () => {
    const blinded = await blindTokenRequests(ISSUER, publicKey, 1);
    const [response] = await signTokenRequests(keys, blinded.requests);
    const [t] = await blinded.finalize([response!]);
    return { request: blinded.requests[0]!, response: response!, token: t! };
  });
  const [response] = await signTokenRequests(keys, [request]);
  const tokenText = toBase64url(token);
  const parsed = parseToken(tokenText)!;
  const verifying = await importPublicKey(publicKey);
  const other = await importPublicKey(fromB64(OTHER_PUBLIC_KEY));
  agree("the fixed token verifies", true, await verifyToken(parsed, ISSUER, verifying));

  const altered = (at: number) => {
    const b = new Uint8Array(token);
    b[at]! ^= 0x01;
    return toBase64url(b);
  };
  const T = 1_767_225_600_000;
  const key = { notBefore: T, expiresAt: T + 7 * 86_400_000 };
  const cases: { name: string; token: string; issuer: string; key: "issuer" | "other"; now: number; verdict: "valid" | "token_invalid" | "token_key_expired" }[] = [
    { name: "valid", token: tokenText, issuer: ISSUER, key: "issuer", now: T + 1000, verdict: "valid" },
    { name: "wrong key", token: tokenText, issuer: ISSUER, key: "other", now: T + 1000, verdict: "token_invalid" },
    { name: "altered authenticator", token: altered(token.length - 1), issuer: ISSUER, key: "issuer", now: T + 1000, verdict: "token_invalid" },
    { name: "altered nonce", token: altered(2), issuer: ISSUER, key: "issuer", now: T + 1000, verdict: "token_invalid" },
    { name: "another issuer's challenge", token: tokenText, issuer: "another-issuer", key: "issuer", now: T + 1000, verdict: "token_invalid" },
    { name: "expired key", token: tokenText, issuer: ISSUER, key: "issuer", now: key.expiresAt, verdict: "token_key_expired" },
  ];
  for (const c of cases) {
    const state = keyStateAt(key, c.now);
    const t = parseToken(c.token);
    const verdict = state === "expired" ? "token_key_expired" : t && (await verifyToken(t, c.issuer, c.key === "issuer" ? verifying : other)) ? "valid" : "token_invalid";
    agree(`redemption case ${c.name}`, c.verdict, verdict);
  }

  const requestText = toBase64url(request);
  const sale = { type: "token-sale", keyId, requests: [requestText], intent: {} };
  const saleCases = [
    { name: "valid", message: sale, valid: true },
    { name: "no requests", message: { ...sale, requests: [] }, valid: false },
    { name: "16 requests", message: { ...sale, requests: Array(16).fill(requestText) }, valid: true },
    { name: "17 requests", message: { ...sale, requests: Array(17).fill(requestText) }, valid: false },
    { name: "short request", message: { ...sale, requests: [requestText.slice(4)] }, valid: false },
    { name: "key id not hex", message: { ...sale, keyId: keyId.toUpperCase() }, valid: false },
    { name: "extra field", message: { ...sale, n: 1 }, valid: false },
  ];
  for (const c of saleCases) agree(`sale message ${c.name}`, c.valid, tokenSaleRequest.safeParse(c.message).success);

  const directory = buildDirectory("https://issuer.example/federation/v1/token-sale", [{ publicKey: b64(publicKey), notBefore: T / 1000, expires: key.expiresAt / 1000 }], { unit: "credit", value: 5 });
  const prices = [
    { pricing: { model: "free" }, tokens: 0 },
    { pricing: { model: "per_call", amount: 5, unit: "credit" }, tokens: 1 },
    { pricing: { model: "per_call", amount: 11, unit: "credit" }, tokens: 3 },
    { pricing: { model: "per_call", amount: 5, unit: "usd" }, tokens: null },
    { pricing: { model: "per_time", amount: 1, per: "second", unit: "credit" }, tokens: null },
  ] as const;
  for (const c of prices) {
    const got = tokensFor(c.pricing, { unit: "credit", value: 5 });
    agree(`price ${JSON.stringify(c.pricing)}`, c.tokens, got.ok ? got.tokens : null);
  }

  write("tokens.json", {
    about: "Privacy Pass token type 0x0002 (RFC 9578 §6, RFC 9474 RSABSSA-SHA384-PSS-Deterministic), docs/protocol.md §15. Bytes are base64url, ids hex. The issuer key is a fixed test key; the consumer's randomness is the stream described in 'randomness'.",
    issuer: ISSUER,
    key: { privateKeyPkcs8: TEST_ISSUER_PKCS8, publicKey: b64(publicKey), keyId, notBefore: key.notBefore, expiresAt: key.expiresAt },
    otherPublicKey: OTHER_PUBLIC_KEY,
    challenge: { bytes: b64(issuerChallenge(ISSUER).serialize()), digest: hex(challengeDigest(ISSUER)) },
    randomness: { label: RANDOMNESS, rule: "byte i of all getRandomValues output is byte (i mod 32) of SHA-256(label || u32be(floor(i / 32)))" },
    issuance: { request: requestText, response: b64(response!), token: tokenText, nonce: parsed.nonce },
    redemption: cases,
    sale: { cases: saleCases, requestHash: await saleRequestHash({ keyId, requests: [requestText] }), resultHash: await saleResultHash([b64(response!)]) },
    directory: { document: directory, keyToBuyAt: T / 1000 + 1, chosen: keyToBuy(directory, T / 1000 + 1)?.publicKey ?? null },
    prices: prices.map((c) => ({ ...c, denomination: { unit: "credit", value: 5 } })),
  });
  return { token: tokenText, issuer: ISSUER, publicKey: b64(publicKey) };
}
