// The signature flow between two in-process nodes on real libSQL files: intent, receipt,
// countersignature; what a forged, altered or misattributed receipt does; pending across a restart.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { quoteOf, type Pricing } from "../../src/protocol/ledger/pricing.ts";
import { canonicalRecord, type LedgerRecord, type SignedIntent } from "../../src/protocol/ledger/record.ts";
import { countersign, ReceiptRejected, RECEIPT_CONTEXT, receiptBytes, signIntent, signReceipt, verifyIntent, verifyRecord } from "../../src/protocol/ledger/signing.ts";
import type { LedgerHandlers } from "../../src/node/ledger/reconciliation.ts";
import type { OriginKey } from "../../src/protocol/registry/signing.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";
import { ledgerNode, type LedgerNode } from "../support/ledger.ts";

const TOOL = { id: "prov/demo/echo", fingerprint: `sha256:${"ab".repeat(32)}` };
const PER_CALL: Pricing = { model: "per_call", amount: 250, unit: "usd-micro" };

let consumerId: TestIdentity;
let providerId: TestIdentity;
let intruderId: TestIdentity;
let keys: TestKeyring;
let consumer: LedgerNode;
let provider: LedgerNode;

beforeEach(async () => {
  [consumerId, providerId, intruderId] = await Promise.all([ed25519TestSigner(), ed25519TestSigner(), ed25519TestSigner()]);
  keys = new TestKeyring().add(consumerId, providerId, intruderId);
  const directory = new Map<string, LedgerHandlers>();
  consumer = await ledgerNode(consumerId.signer, keys, directory);
  provider = await ledgerNode(providerId.signer, keys, directory);
});

afterEach(() => {
  consumer.close();
  provider.close();
});

async function request(pricing: Pricing = PER_CALL, at = 1_000): Promise<SignedIntent> {
  return signIntent(consumer.signer, { provider: provider.id, tool: TOOL, params: { name: "echo", arguments: { text: "secret" } }, price: quoteOf(pricing), requestedAt: at });
}

/** One whole call: both sides end holding the confirmed record. */
async function call(pricing: Pricing = PER_CALL, at = 1_000): Promise<LedgerRecord> {
  const intent = await request(pricing, at);
  expect(await verifyIntent(keys, provider.id, intent)).toBe("valid");
  const receipt = await signReceipt(provider.signer, intent, { result: { content: [] }, durationMs: 40, completedAt: at + 40 });
  expect(await provider.ledger.receive(receipt, null)).toEqual({ outcome: "stored" });
  const confirmed = await countersign(consumer.signer, keys, intent, receipt, 1_000);
  expect(await consumer.ledger.receive(confirmed, null)).toEqual({ outcome: "stored" });
  expect(await provider.ledger.receive(confirmed, consumer.id)).toEqual({ outcome: "confirmed" });
  return confirmed;
}

describe("ledger signature flow", () => {
  it("ends with the same confirmed record on both nodes, and balances that mirror each other", async () => {
    const r = await call();
    const [c, p] = await Promise.all([consumer.ledger.get(r.intent.id), provider.ledger.get(r.intent.id)]);
    expect(c!.status).toBe("confirmed");
    expect(p!.status).toBe("confirmed");
    expect(c!.record).toBe(p!.record);
    expect(c!.record).toBe(canonicalRecord(r));
    // The arguments never reach the record, only their hash.
    expect(c!.record).not.toContain("secret");
    await call(PER_CALL, 2_000);
    expect(await provider.ledger.balances()).toEqual([{ peer: consumer.id, unit: "usd-micro", earned: 500, spent: 0, cleared: 0, settled: 0, net: 500, calls: 2 }]);
    expect(await consumer.ledger.balances()).toEqual([{ peer: provider.id, unit: "usd-micro", earned: 0, spent: 500, cleared: 0, settled: 0, net: -500, calls: 2 }]);
  });

  it("leaves free calls and other currencies out of each other's balances", async () => {
    await call({ model: "free" });
    await call({ model: "per_call", amount: 3, unit: "credit" }, 2_000);
    await call(PER_CALL, 3_000);
    expect(await provider.ledger.balances()).toEqual([
      { peer: consumer.id, unit: "credit", earned: 3, spent: 0, cleared: 0, settled: 0, net: 3, calls: 1 },
      { peer: consumer.id, unit: "usd-micro", earned: 250, spent: 0, cleared: 0, settled: 0, net: 250, calls: 1 },
    ]);
  });

  it("stores the same record twice as one (idempotent)", async () => {
    const r = await call();
    expect(await provider.ledger.receive(r, consumer.id)).toEqual({ outcome: "duplicate" });
    expect(await consumer.ledger.receive(structuredClone(r), provider.id)).toEqual({ outcome: "duplicate" });
    expect((await provider.ledger.balances())[0]!.earned).toBe(250);
  });

  it("refuses a receipt the wrong node signed, an altered amount and a forged signature, and flags each", async () => {
    const intent = await request();
    const outcome = { result: "ok", durationMs: 5, completedAt: 1_005 };
    // The intruder signs a receipt for a call addressed to the provider.
    const wrongNode = await signReceipt({ nodeId: provider.id, sign: intruderId.signer.sign }, intent, outcome);
    const honest = await signReceipt(provider.signer, intent, outcome);
    const altered: LedgerRecord = { ...honest, receipt: { ...honest.receipt, amount: 1 } };
    const forged: LedgerRecord = { ...honest, sigs: { ...honest.sigs, receipt: toBase64url(new Uint8Array(64).fill(7)) } };
    await expect(countersign(consumer.signer, keys, intent, wrongNode, 1_000)).rejects.toEqual(new ReceiptRejected("bad_receipt_signature"));
    await expect(countersign(consumer.signer, keys, intent, altered, 1_000)).rejects.toEqual(new ReceiptRejected("bad_receipt_signature"));
    await expect(countersign(consumer.signer, keys, intent, forged, 1_000)).rejects.toEqual(new ReceiptRejected("bad_receipt_signature"));
    for (const bad of [wrongNode, altered, forged]) {
      expect(await consumer.ledger.receive(bad, provider.id)).toEqual({ outcome: "rejected", reason: "bad_receipt_signature" });
    }
    expect((await consumer.ledger.flags()).map((f) => f.reason)).toEqual(["bad_receipt_signature", "bad_receipt_signature", "bad_receipt_signature"]);
    expect(await consumer.ledger.get(intent.intent.id)).toBeUndefined();
    expect(await consumer.ledger.balances()).toEqual([]);
  });

  it("refuses a provider that signs a receipt overcharging the pinned price", async () => {
    const intent = await request();
    const greedy = await signReceipt(provider.signer, intent, { result: "ok", durationMs: 5, completedAt: 1_005 });
    greedy.receipt.amount = 999;
    // Signed with the provider's real key: the price check, not the signature, refuses it.
    greedy.sigs.receipt = toBase64url(await provider.signer.sign(receiptBytes(greedy), RECEIPT_CONTEXT));
    await expect(countersign(consumer.signer, keys, intent, greedy, 1_000)).rejects.toEqual(new ReceiptRejected("amount_mismatch"));
    expect(await consumer.ledger.receive(greedy, provider.id)).toEqual({ outcome: "rejected", reason: "amount_mismatch" });
    expect(await consumer.ledger.balances()).toEqual([]);
  });

  it("refuses a per-time receipt claiming longer than the consumer waited", async () => {
    const intent = await request({ model: "per_time", amount: 3, per: "ms", unit: "credit" });
    const receipt = await signReceipt(provider.signer, intent, { result: "ok", durationMs: 900, completedAt: 1_900 });
    await expect(countersign(consumer.signer, keys, intent, receipt, 899)).rejects.toEqual(new ReceiptRejected("duration_exceeds_elapsed"));
    expect((await countersign(consumer.signer, keys, intent, receipt, 950)).receipt).toMatchObject({ units: 900, amount: 2700 });
  });

  it("disputes a validly signed record that differs from the held one, and never merges it", async () => {
    const intent = await request();
    const first = await signReceipt(provider.signer, intent, { result: "a", durationMs: 5, completedAt: 1_005 });
    const second = await signReceipt(provider.signer, intent, { result: "b", durationMs: 5, completedAt: 1_005 });
    const a = await countersign(consumer.signer, keys, intent, first, 1_000);
    const b = await countersign(consumer.signer, keys, intent, second, 1_000);
    expect(await provider.ledger.receive(a, consumer.id)).toEqual({ outcome: "stored" });
    expect(await provider.ledger.receive(b, consumer.id)).toEqual({ outcome: "disputed" });
    const held = await provider.ledger.get(intent.intent.id);
    expect(held).toMatchObject({ status: "disputed", reason: "conflicting_record", record: canonicalRecord(a) });
    expect(await provider.ledger.balances()).toEqual([]);
    expect((await provider.ledger.flags())[0]).toMatchObject({ recordId: intent.intent.id, reason: "conflicting_record", received: canonicalRecord(b) });
  });

  it("refuses a record sent by a node that is not its other party", async () => {
    const r = await call();
    const third = await ledgerNode(intruderId.signer, keys, new Map());
    try {
      expect(await third.ledger.receive(r, consumer.id)).toEqual({ outcome: "rejected", reason: "not_a_party" });
      expect(await provider.ledger.receive(r, intruderId.signer.nodeId)).toEqual({ outcome: "rejected", reason: "not_a_party" });
    } finally {
      third.close();
    }
  });

  it("keeps a pending record across a restart and confirms it with a later countersignature", async () => {
    const intent = await request();
    const receipt = await signReceipt(provider.signer, intent, { result: "ok", durationMs: 5, completedAt: 1_005 });
    await provider.ledger.receive(receipt, null);
    await provider.restart();
    const pending = await provider.ledger.pending();
    expect(pending.map((p) => p.id)).toEqual([intent.intent.id]);
    expect(await provider.ledger.balances()).toEqual([]);
    const confirmed = await countersign(consumer.signer, keys, intent, JSON.parse(pending[0]!.record), 1_000);
    expect(await provider.ledger.receive(confirmed, consumer.id)).toEqual({ outcome: "confirmed" });
    expect(await provider.ledger.pending()).toEqual([]);
    expect((await provider.ledger.balances())[0]!.net).toBe(250);
  });

  it("refuses a countersignature made by the provider in the consumer's place", async () => {
    const intent = await request();
    const receipt = await signReceipt(provider.signer, intent, { result: "ok", durationMs: 5, completedAt: 1_005 });
    const selfSigned = await countersign({ nodeId: consumer.id, sign: providerId.signer.sign }, keys, intent, receipt, 1_000);
    expect(await provider.ledger.receive(receipt, null)).toEqual({ outcome: "stored" });
    expect(await provider.ledger.receive(selfSigned, null)).toEqual({ outcome: "rejected", reason: "bad_countersignature" });
    // From the consumer, the held pending record short-cuts to checking the countersignature alone.
    expect(await provider.ledger.receive(selfSigned, consumer.id)).toEqual({ outcome: "rejected", reason: "bad_countersignature" });
    expect((await provider.ledger.get(intent.intent.id))!.status).toBe("pending");
  });
});

describe("ledger with the composite signature", () => {
  it("runs the whole flow with ML-DSA-65 + Ed25519 keys", async () => {
    const p = await primitives();
    const [ck, pk] = await Promise.all([signingKeyFromSeed(p, new Uint8Array(32).fill(1)), signingKeyFromSeed(p, new Uint8Array(32).fill(2))]);
    const verifiers = new Map<string, OriginKey>();
    for (const k of [ck, pk]) {
      const v = await compositeVerifier(p, k.signer.publicKey);
      verifiers.set(k.nodeId, { verify: (message, signature, context) => v.verify(signature, message, context) });
    }
    const verifier = { keyOf: async (id: string) => verifiers.get(id) };
    const cs = { nodeId: ck.nodeId, sign: ck.signer.sign };
    const ps = { nodeId: pk.nodeId, sign: pk.signer.sign };
    const intent = await signIntent(cs, { provider: ps.nodeId, tool: TOOL, params: {}, price: quoteOf(PER_CALL), requestedAt: 10 });
    expect(await verifyIntent(verifier, ps.nodeId, intent)).toBe("valid");
    const receipt = await signReceipt(ps, intent, { result: {}, durationMs: 1, completedAt: 11 });
    const confirmed = await countersign(cs, verifier, intent, receipt, 1_000);
    expect(await verifyRecord(verifier, confirmed)).toBe("valid");
    const tampered = { ...confirmed, receipt: { ...confirmed.receipt, amount: 0 } };
    expect(await verifyRecord(verifier, tampered)).toBe("bad_receipt_signature");
  });
});
