// Reconciliation between two ledgers on real libSQL files: what one side lost comes back from
// the other, a pending copy is completed, and a contradicting or forged record is disputed or refused.
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { quoteOf } from "../../src/protocol/ledger/pricing.ts";
import { encodeMessage } from "../../src/protocol/reconciliation.ts";
import { MAX_RECONCILE_ROUNDS, ReconcileUnsettled, type LedgerHandlers } from "../../src/node/ledger/reconciliation.ts";
import { canonicalRecord, type LedgerRecord } from "../../src/protocol/ledger/record.ts";
import { countersign, signIntent, signReceipt } from "../../src/protocol/ledger/signing.ts";
import { ed25519TestSigner, TestKeyring } from "../support/ed25519.ts";
import { ledgerNode, type LedgerNode } from "../support/ledger.ts";

const TOOL = { id: "p/demo/echo", fingerprint: `sha256:${"cd".repeat(32)}` };
let a: LedgerNode;
let b: LedgerNode;
let keys: TestKeyring;
let directory: Map<string, LedgerHandlers>;

beforeEach(async () => {
  const [ia, ib] = await Promise.all([ed25519TestSigner(), ed25519TestSigner()]);
  keys = new TestKeyring().add(ia, ib);
  directory = new Map<string, LedgerHandlers>();
  a = await ledgerNode(ia.signer, keys, directory);
  b = await ledgerNode(ib.signer, keys, directory);
});

afterEach(() => {
  a.close();
  b.close();
});

/** A call from `consumer` to `provider`, confirmed on both sides. */
async function call(consumer: LedgerNode, provider: LedgerNode, at: number, amount = 10): Promise<LedgerRecord> {
  const intent = await signIntent(consumer.signer, { provider: provider.id, tool: TOOL, params: { at }, price: quoteOf({ model: "per_call", amount, unit: "credit" }), requestedAt: at });
  const receipt = await signReceipt(provider.signer, intent, { result: at, durationMs: 3, completedAt: at + 3 });
  const confirmed = await countersign(consumer.signer, keys, intent, receipt, 1_000);
  await consumer.ledger.receive(confirmed, null);
  await provider.ledger.receive(confirmed, consumer.id);
  return confirmed;
}

async function deleteOn(node: LedgerNode, ids: string[]): Promise<void> {
  // Straight to the table, as a lost or restored-from-old-backup database would be.
  for (const id of ids) await node.db().run(sql`DELETE FROM ledger_records WHERE id = ${id}`);
}

describe("ledger reconciliation", () => {
  it("restores records deleted on either side, and the balances agree again", async () => {
    const records: LedgerRecord[] = [];
    for (let i = 0; i < 30; i++) records.push(i % 3 === 0 ? await call(b, a, 1_000 + i * 10, i) : await call(a, b, 1_000 + i * 10, i));
    const balances = await a.ledger.balances();
    await deleteOn(a, records.filter((_, i) => i % 4 === 0).map((r) => r.intent.id));
    await deleteOn(b, records.filter((_, i) => i % 4 === 1).map((r) => r.intent.id));
    expect(await a.ledger.balances()).not.toEqual(balances);

    const report = await a.reconciler.reconcileWith(b.id);
    expect(report.refused).toBe(0);
    expect(report.sent).toBe(8);
    expect(report.received).toBe(8);
    expect(await a.ledger.balances()).toEqual(balances);
    const mirrored = (await b.ledger.balances()).map((x) => ({ ...x, peer: b.id, earned: x.spent, spent: x.earned, net: -x.net }));
    expect(mirrored).toEqual(balances);
    for (const r of records) {
      expect((await a.ledger.get(r.intent.id))!.record).toBe(canonicalRecord(r));
      expect((await b.ledger.get(r.intent.id))!.record).toBe(canonicalRecord(r));
    }
    // Nothing left to exchange.
    expect(await a.reconciler.reconcileWith(b.id)).toMatchObject({ sent: 0, received: 0 });
  });

  it("completes a pending record from the peer's confirmed copy", async () => {
    const intent = await signIntent(a.signer, { provider: b.id, tool: TOOL, params: {}, price: quoteOf({ model: "per_call", amount: 4, unit: "credit" }), requestedAt: 5 });
    const receipt = await signReceipt(b.signer, intent, { result: 1, durationMs: 1, completedAt: 6 });
    await b.ledger.receive(receipt, null);
    // The countersignature reached the consumer's store but its answer never reached the provider.
    await a.ledger.receive(await countersign(a.signer, keys, intent, receipt, 1_000), null);
    await b.reconciler.reconcileWith(a.id);
    expect((await b.ledger.get(intent.intent.id))!.status).toBe("confirmed");
    expect(await b.ledger.pending()).toEqual([]);
  });

  it("never hands the consumer a pending copy of a call it did not see answered", async () => {
    const intent = await signIntent(a.signer, { provider: b.id, tool: TOOL, params: {}, price: quoteOf({ model: "per_call", amount: 4, unit: "credit" }), requestedAt: 5 });
    // B answered, but the answer never reached A: only B holds the (pending) record.
    await b.ledger.receive(await signReceipt(b.signer, intent, { result: 1, durationMs: 1, completedAt: 6 }), null);
    // B does not offer it; and were it sent (by another implementation), A would not take it.
    expect(await b.reconciler.reconcileWith(a.id)).toMatchObject({ sent: 0, received: 0 });
    expect(await a.reconciler.reconcileWith(b.id)).toMatchObject({ sent: 0, received: 0 });
    expect(await a.reconciler.onTransfer(b.id, { records: [JSON.parse((await b.ledger.get(intent.intent.id))!.record)], want: [] })).toEqual({ refused: 0, wanted: [] });
    expect(await a.ledger.get(intent.intent.id)).toBeUndefined();
    expect(await a.ledger.flags()).toEqual([]);
    expect((await b.ledger.get(intent.intent.id))!.status).toBe("pending");
  });

  it("disputes a record the peer holds in another signed version, and refuses a forged one", async () => {
    const intent = await signIntent(a.signer, { provider: b.id, tool: TOOL, params: {}, price: quoteOf({ model: "per_call", amount: 4, unit: "credit" }), requestedAt: 5 });
    const one = await countersign(a.signer, keys, intent, await signReceipt(b.signer, intent, { result: 1, durationMs: 1, completedAt: 6 }), 1_000);
    const two = await countersign(a.signer, keys, intent, await signReceipt(b.signer, intent, { result: 2, durationMs: 1, completedAt: 6 }), 1_000);
    await a.ledger.receive(one, null);
    await b.ledger.receive(two, a.id);
    const forged = await call(a, b, 100);
    await deleteOn(a, [forged.intent.id]);
    // B's copy of the other call is tampered with in its store (its text, and so its hash).
    const tampered = { ...forged, receipt: { ...forged.receipt, amount: 0 } };
    tampered.sigs = { ...tampered.sigs, countersign: toBase64url(new Uint8Array(64)) };
    await b.db().run(sql`UPDATE ledger_records SET record = ${canonicalRecord(tampered)}, hash = ${"ee".repeat(32)} WHERE id = ${forged.intent.id}`);

    const report = await a.reconciler.reconcileWith(b.id);
    expect(report.refused).toBe(3);
    expect(await a.ledger.get(intent.intent.id)).toMatchObject({ status: "disputed", reason: "conflicting_record", record: canonicalRecord(one) });
    expect(await b.ledger.get(intent.intent.id)).toMatchObject({ status: "disputed", reason: "conflicting_record", record: canonicalRecord(two) });
    expect(await a.ledger.get(forged.intent.id)).toBeUndefined();
    expect((await a.ledger.flags()).map((f) => f.reason).sort()).toEqual(["bad_receipt_signature", "conflicting_record"]);
    expect(await a.ledger.balances()).toEqual([]);
  });

  it("gives up on a peer that never lets the reconciliation settle", async () => {
    for (let i = 0; i < 5; i++) await call(a, b, 1_000 + i * 10);
    // A peer that answers every round with a fingerprint of the whole range that never matches.
    const liar = (await ed25519TestSigner()).signer.nodeId;
    let rounds = 0;
    const never = encodeMessage([{ upper: "~", mode: "fingerprint", fingerprint: new Uint8Array(16).fill(7) }]);
    directory.set(liar, {
      onReconcile: async () => (rounds++, { message: never }),
      onTransfer: async () => ({ refused: 0, wanted: [] }),
    });
    await expect(a.reconciler.reconcileWith(liar)).rejects.toBeInstanceOf(ReconcileUnsettled);
    expect(rounds).toBe(MAX_RECONCILE_ROUNDS);
  });
});
