// The Privacy Pass vectors (test/vectors/tokens.json): the code must derive the key id and the
// challenge, reproduce the issuance byte for byte from the stated randomness, and give every
// redemption case, sale message, directory choice and price its stated verdict.
import { sha256 } from "@noble/hashes/sha2.js";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { challengeDigest, issuerChallenge } from "../../src/protocol/tokens/challenge.ts";
import { issuerDirectory, keyToBuy } from "../../src/protocol/tokens/directory.ts";
import { blindTokenRequests, signTokenRequests } from "../../src/protocol/tokens/issuance.ts";
import { importPublicKey, keyStateAt, tokenKeyId } from "../../src/protocol/tokens/issuer-key.ts";
import { saleRequestHash, saleResultHash, tokenSaleRequest } from "../../src/protocol/tokens/sale.ts";
import { parseToken, verifyToken } from "../../src/protocol/tokens/token.ts";
import { tokensFor } from "../../src/protocol/tokens/value.ts";
import { nodeRawRsa } from "../../src/runtimes/node-raw-rsa.ts";
import type { Pricing } from "../../src/protocol/ledger/pricing.ts";

interface TokenVectors {
  issuer: string;
  key: { privateKeyPkcs8: string; publicKey: string; keyId: string; notBefore: number; expiresAt: number };
  otherPublicKey: string;
  challenge: { bytes: string; digest: string };
  randomness: { label: string };
  issuance: { request: string; response: string; token: string; nonce: string };
  redemption: { name: string; token: string; issuer: string; key: "issuer" | "other"; now: number; verdict: string }[];
  sale: { cases: { name: string; message: unknown; valid: boolean }[]; requestHash: string; resultHash: string };
  directory: { document: unknown; keyToBuyAt: number; chosen: string | null };
  prices: { pricing: Pricing; tokens: number | null; denomination: { unit: string; value: number } }[];
}

const v = JSON.parse(readFileSync(new URL("../vectors/tokens.json", import.meta.url), "utf8")) as TokenVectors;
const bytes = (s: string) => new Uint8Array(Buffer.from(s, "base64url"));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** The vectors' randomness rule, implemented here on its own: byte i is SHA-256(label || u32be(i div 32))[i mod 32]. */
async function withStatedRandomness<T>(work: () => Promise<T>): Promise<T> {
  const original = crypto.getRandomValues;
  let offset = 0;
  crypto.getRandomValues = (<A extends ArrayBufferView | null>(array: A): A => {
    const out = new Uint8Array(array!.buffer, array!.byteOffset, array!.byteLength);
    for (let i = 0; i < out.length; i++, offset++) {
      const block = Math.floor(offset / 32);
      const counter = new Uint8Array(4);
      new DataView(counter.buffer).setUint32(0, block);
      out[i] = sha256(new Uint8Array([...new TextEncoder().encode(v.randomness.label), ...counter]))[offset % 32]!;
    }
    return array;
  }) as typeof crypto.getRandomValues;
  try {
    return await work();
  } finally {
    crypto.getRandomValues = original;
  }
}

describe("token vectors", () => {
  const keys = { publicKey: bytes(v.key.publicKey), privateKey: bytes(v.key.privateKeyPkcs8) };

  it("derives the token key id and the challenge", () => {
    expect(tokenKeyId(keys.publicKey)).toBe(v.key.keyId);
    expect(toBase64url(issuerChallenge(v.issuer).serialize())).toBe(v.challenge.bytes);
    expect(hex(challengeDigest(v.issuer))).toBe(v.challenge.digest);
  });

  it("reproduces the issuance: request, blind signature and token", async () => {
    const { request, token } = await withStatedRandomness(async () => {
      const blinded = await blindTokenRequests(v.issuer, keys.publicKey, 1);
      const finalized = await blinded.finalize([bytes(v.issuance.response)]);
      return { request: blinded.requests[0]!, token: finalized[0]! };
    });
    expect(toBase64url(request)).toBe(v.issuance.request);
    expect((await signTokenRequests(keys, [bytes(v.issuance.request)])).map(toBase64url)).toEqual([v.issuance.response]);
    expect((await signTokenRequests(keys, [bytes(v.issuance.request)], nodeRawRsa)).map(toBase64url)).toEqual([v.issuance.response]);
    expect(toBase64url(token)).toBe(v.issuance.token);
    expect(parseToken(v.issuance.token)?.nonce).toBe(v.issuance.nonce);
  });

  it("gives every redemption case its verdict", async () => {
    const own = await importPublicKey(keys.publicKey);
    const other = await importPublicKey(bytes(v.otherPublicKey));
    for (const c of v.redemption) {
      const t = parseToken(c.token);
      const state = keyStateAt(v.key, c.now);
      const verdict = state === "expired" ? "token_key_expired" : t && (await verifyToken(t, c.issuer, c.key === "issuer" ? own : other)) ? "valid" : "token_invalid";
      expect(verdict, c.name).toBe(c.verdict);
    }
    expect(v.redemption.map((c) => c.verdict)).toEqual(expect.arrayContaining(["valid", "token_invalid", "token_key_expired"]));
  });

  it("refuses a request for another key and one that is not a token request", async () => {
    const other = bytes(v.issuance.request);
    other[2]! ^= 0xff;
    await expect(signTokenRequests(keys, [other])).rejects.toThrow(/another token key/);
    await expect(signTokenRequests(keys, [bytes(v.issuance.request).slice(1)])).rejects.toThrow(/259 bytes/);
  });

  it("parses the sale messages as stated, and hashes what the intent and the receipt cover", async () => {
    for (const c of v.sale.cases) expect(tokenSaleRequest.safeParse(c.message).success, c.name).toBe(c.valid);
    expect(await saleRequestHash({ keyId: v.key.keyId, requests: [v.issuance.request] })).toBe(v.sale.requestHash);
    expect(await saleResultHash([v.issuance.response])).toBe(v.sale.resultHash);
  });

  it("picks the stated key from the directory, and prices calls in tokens as stated", () => {
    expect(keyToBuy(issuerDirectory.parse(v.directory.document), v.directory.keyToBuyAt)?.publicKey ?? null).toBe(v.directory.chosen);
    for (const c of v.prices) {
      const got = tokensFor(c.pricing, c.denomination);
      expect(got.ok ? got.tokens : null, JSON.stringify(c.pricing)).toBe(c.tokens);
    }
  });
});
