// The ledger's committed test vectors (test/vectors/ledger/records.json), checked two ways: each
// signature with node:crypto over the signing input the file states, independently of the code
// under test; and the code's own signing inputs, canonical form, hash and verdict against the file.
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grantId, signedGrant } from "../../src/protocol/ledger/grant.ts";
import { canonicalRecord, contentHash, recordHash, record as recordSchema } from "../../src/protocol/ledger/record.ts";
import { settle } from "../../src/protocol/ledger/pricing.ts";
import { countersignBytes, intentBytes, receiptBytes, verifyRecord } from "../../src/protocol/ledger/signing.ts";
import { requestHash } from "../../src/protocol/ledger/request-hash.ts";
import { ed25519TestSigner, TestKeyring } from "../support/ed25519.ts";

const vectors = JSON.parse(readFileSync(new URL("../vectors/ledger/records.json", import.meta.url), "utf8"));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The test signer's scheme, done by hand: Ed25519 over context ‖ 0x00 ‖ message. */
function verifiesIndependently(publicKey: string, context: string, message: string, signature: string): boolean {
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: publicKey }, format: "jwk" });
  return verify(null, Buffer.concat([Buffer.from(context), Buffer.from([0]), Buffer.from(message)]), key, Buffer.from(signature, "base64url"));
}

describe("ledger test vectors", () => {
  it("has every signature verify over the stated inputs, with the stated keys", () => {
    expect(vectors.records.length).toBeGreaterThanOrEqual(3);
    for (const v of vectors.records) {
      expect(verifiesIndependently(vectors.consumer.publicKey, vectors.contexts.intent, v.signingInputs.intent, v.record.sigs.intent)).toBe(true);
      expect(verifiesIndependently(vectors.provider.publicKey, vectors.contexts.receipt, v.signingInputs.receipt, v.record.sigs.receipt)).toBe(true);
      expect(verifiesIndependently(vectors.consumer.publicKey, vectors.contexts.countersign, v.signingInputs.countersign, v.record.sigs.countersign)).toBe(true);
      // Each part signs the canonical text of everything before it.
      expect(v.signingInputs.receipt.startsWith(`{"intent":${v.signingInputs.intent},"intentSig":"${v.record.sigs.intent}"`)).toBe(true);
      expect(createHash("sha256").update(v.canonical).digest("hex")).toBe(v.hash);
    }
    const g = vectors.grant.signed;
    expect(verifiesIndependently(vectors.provider.publicKey, vectors.contexts.grant, JSON.stringify(g.grant, Object.keys(g.grant).sort()), g.sig)).toBe(true);
  });

  it("is what the code signs, stores and accepts", async () => {
    const consumer = await ed25519TestSigner(Buffer.from(vectors.consumer.seed, "hex"));
    const provider = await ed25519TestSigner(Buffer.from(vectors.provider.seed, "hex"));
    expect([consumer.signer.nodeId, provider.signer.nodeId]).toEqual([vectors.consumer.nodeId, vectors.provider.nodeId]);
    const keys = new TestKeyring().add(consumer, provider);
    for (const v of vectors.records) {
      const r = recordSchema.parse(v.record);
      expect(text(intentBytes(r))).toBe(v.signingInputs.intent);
      expect(text(receiptBytes(r))).toBe(v.signingInputs.receipt);
      expect(text(countersignBytes(r))).toBe(v.signingInputs.countersign);
      expect(canonicalRecord(r)).toBe(v.canonical);
      expect(await recordHash(r)).toBe(v.hash);
      expect(await verifyRecord(keys, r)).toBe("valid");
      expect(settle(r.intent.price, r.receipt.durationMs)).toEqual({ units: r.receipt.units, amount: r.receipt.amount, ...(r.receipt.unit ? { unit: r.receipt.unit } : {}) });
      expect(r.receipt.result).toBe(await contentHash(v.result));
    }
    const [perCall, perTime, purchase] = vectors.records;
    expect(perCall.record.intent.request).toBe(await requestHash("search", perCall.arguments));
    expect(perTime.record.receipt).toMatchObject({ durationMs: 2001, units: 3, amount: 21 });
    const g = signedGrant.parse(vectors.grant.signed);
    expect(await grantId(g.grant)).toBe(vectors.grant.id);
    expect(purchase.record.intent.price).toEqual({ model: "grant", grant: vectors.grant.id, amount: 900, unit: "credit" });
    expect(purchase.record.intent.request).toBe(await contentHash(g.grant));
  });

  it("refuses a vector with one byte changed in each signed part", async () => {
    const keys = new TestKeyring().add(await ed25519TestSigner(Buffer.from(vectors.consumer.seed, "hex")), await ed25519TestSigner(Buffer.from(vectors.provider.seed, "hex")));
    const v = vectors.records[0].record;
    expect(await verifyRecord(keys, { ...v, intent: { ...v.intent, requestedAt: v.intent.requestedAt - 1 } })).toBe("bad_intent_signature");
    expect(await verifyRecord(keys, { ...v, receipt: { ...v.receipt, durationMs: v.receipt.durationMs + 1 } })).toBe("bad_receipt_signature");
    expect(await verifyRecord(keys, { ...v, sigs: { ...v.sigs, countersign: v.sigs.receipt } })).toBe("bad_countersignature");
  });
});
