// Set-offs and settlements in two ledgers on real libSQL files: stored only when valid and this
// node's, counted in `cleared`, `settled` and `net`, reconciled like calls, and the obligation both
// sides compute is the same, digest included.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { quoteOf } from "../../src/protocol/ledger/pricing.ts";
import { hashlockOf, signSetOff, type SetOff, type SetOffRecord } from "../../src/protocol/ledger/set-off.ts";
import { newSettlementId, signSettlement, type Settlement } from "../../src/protocol/ledger/settlement.ts";
import { countersign, signIntent, signReceipt } from "../../src/protocol/ledger/signing.ts";
import type { LedgerHandlers } from "../../src/node/ledger/reconciliation.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";
import { ledgerNode, type LedgerNode } from "../support/ledger.ts";

const TOOL = { id: "p/demo/echo", fingerprint: `sha256:${"cd".repeat(32)}` };
const PREIMAGE = "42".repeat(32);
let a: LedgerNode;
let b: LedgerNode;
let c: TestIdentity;
let keys: TestKeyring;
let directory: Map<string, LedgerHandlers>;

beforeEach(async () => {
  const [ia, ib, ic] = await Promise.all([ed25519TestSigner(), ed25519TestSigner(), ed25519TestSigner()]);
  c = ic;
  keys = new TestKeyring().add(ia, ib, ic);
  directory = new Map<string, LedgerHandlers>();
  a = await ledgerNode(ia.signer, keys, directory);
  b = await ledgerNode(ib.signer, keys, directory);
});

afterEach(() => {
  a.close();
  b.close();
});

async function call(consumer: LedgerNode, provider: LedgerNode, at: number, amount: number): Promise<void> {
  const intent = await signIntent(consumer.signer, { provider: provider.id, tool: TOOL, params: { at }, price: quoteOf({ model: "per_call", amount, unit: "credit" }), requestedAt: at });
  const receipt = await signReceipt(provider.signer, intent, { result: at, durationMs: 3, completedAt: at + 3 });
  const confirmed = await countersign(consumer.signer, keys, intent, receipt, 1_000);
  await consumer.ledger.receive(confirmed, null);
  await provider.ledger.receive(confirmed, consumer.id);
}

const setOffOf = (debtor: string, creditor: string, amount: number, over: Partial<SetOff> = {}): SetOff => ({
  v: "mcpfed/1",
  type: "set-off",
  round: "ab".repeat(32),
  debtor,
  creditor,
  unit: "credit",
  amount,
  obligation: { amount: 100, asOf: 5_000, digest: "cd".repeat(32) },
  potentials: { debtor: 0, creditor: 1 },
  limits: { debtor: 100, creditor: 100 },
  hashlock: hashlockOf(PREIMAGE),
  expires: 9_000,
  ...over,
});

async function signedBoth(s: SetOff, debtor: { signer: LedgerNode["signer"] }, creditor: { signer: LedgerNode["signer"] }): Promise<SetOffRecord> {
  return { setOff: s, sigs: { debtor: await signSetOff(debtor.signer, s), creditor: await signSetOff(creditor.signer, s) }, preimage: PREIMAGE };
}

const settlementOf = (payer: string, payee: string, amount: number): Settlement => ({
  v: "mcpfed/1",
  type: "settlement",
  id: newSettlementId(),
  payer,
  payee,
  unit: "credit",
  amount,
  method: "manual",
  reference: "bank transfer 17",
  paidAt: 10_000,
});

const row = async (n: LedgerNode) => (await n.ledger.balances()).find((x) => x.unit === "credit");

describe("set-offs and settlements in the ledger", () => {
  it("counts a set-off and a confirmed settlement on both sides, with mirrored nets and equal obligations", async () => {
    await call(a, b, 1_000, 100); // a owes b 100
    await call(b, a, 2_000, 30); // b owes a 30
    expect(await a.ledger.obligationWith(b.id, "credit", 20_000)).toMatchObject({ debtor: a.id, creditor: b.id, amount: 70 });

    const so = await signedBoth(setOffOf(a.id, b.id, 20, { obligation: { amount: 70, asOf: 5_000, digest: "cd".repeat(32) } }), a, b);
    expect(await a.ledger.receive(so, null)).toEqual({ outcome: "stored" });
    expect(await b.ledger.receive(so, a.id)).toEqual({ outcome: "stored" });
    expect(await b.ledger.receive(so, a.id)).toEqual({ outcome: "duplicate" });

    const s = settlementOf(a.id, b.id, 15);
    const pending = { settlement: s, sigs: { payer: await signSettlement(a.signer, s) } };
    expect(await a.ledger.receive(pending, null)).toEqual({ outcome: "stored" });
    expect(await b.ledger.receive(pending, a.id)).toEqual({ outcome: "stored" });
    // Pending counts nowhere.
    expect(await row(a)).toMatchObject({ earned: 30, spent: 100, cleared: 20, settled: 0, net: -50, calls: 2 });
    const confirmed = { ...pending, sigs: { ...pending.sigs, payee: await signSettlement(b.signer, s) } };
    expect(await b.ledger.receive(confirmed, null)).toEqual({ outcome: "confirmed" });
    expect(await a.ledger.receive(confirmed, b.id)).toEqual({ outcome: "confirmed" });
    expect(await a.ledger.receive(pending, b.id)).toEqual({ outcome: "duplicate" });

    expect(await row(a)).toEqual({ peer: b.id, unit: "credit", earned: 30, spent: 100, cleared: 20, settled: 15, net: -35, calls: 2 });
    expect(await row(b)).toEqual({ peer: a.id, unit: "credit", earned: 100, spent: 30, cleared: -20, settled: -15, net: 35, calls: 2 });
    const oa = await a.ledger.obligationWith(b.id, "credit", 20_000);
    expect(oa).toEqual({ debtor: a.id, creditor: b.id, unit: "credit", amount: 35, asOf: 20_000, digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await b.ledger.obligationWith(a.id, "credit", 20_000)).toEqual(oa);
    // asOf cuts off by completion time: before the settlement (10 000) and the set-off (9 000).
    expect(await a.ledger.obligationWith(b.id, "credit", 8_000)).toMatchObject({ amount: 70 });
    expect(await a.ledger.obligationWith(b.id, "other", 20_000)).toBeNull();
  });

  it("refuses forged, unopened, foreign and wrongly carried records, and nothing changes", async () => {
    await call(a, b, 1_000, 100);
    const before = await a.ledger.balances();
    const good = await signedBoth(setOffOf(a.id, b.id, 20), a, b);
    const forged = { ...good, sigs: { ...good.sigs, creditor: await signSetOff(a.signer, good.setOff) } };
    expect(await a.ledger.receive(forged, b.id)).toEqual({ outcome: "rejected", reason: "bad_creditor_signature" });
    expect(await a.ledger.receive({ ...good, preimage: "43".repeat(32) }, b.id)).toEqual({ outcome: "rejected", reason: "wrong_preimage" });
    const third = await signedBoth(setOffOf(b.id, c.signer.nodeId, 20), b, c);
    expect(await a.ledger.receive(third, b.id)).toEqual({ outcome: "rejected", reason: "not_a_party" });
    const s = settlementOf(b.id, a.id, 10);
    const byWrong = { settlement: s, sigs: { payer: await signSettlement(a.signer, s) } };
    expect(await a.ledger.receive(byWrong, b.id)).toEqual({ outcome: "rejected", reason: "bad_payer_signature" });
    const viaC = { settlement: s, sigs: { payer: await signSettlement(b.signer, s) } };
    expect(await a.ledger.receive(viaC, c.signer.nodeId)).toEqual({ outcome: "rejected", reason: "not_a_party" });
    expect(await a.ledger.receive(await signedBoth(setOffOf(a.id, b.id, 0), a, b), b.id)).toEqual({ outcome: "void" });
    expect(await a.ledger.balances()).toEqual(before);
    expect(await a.ledger.list({ kind: "set-off" })).toEqual([]);
    expect((await a.ledger.flags()).map((f) => f.reason)).toEqual(["bad_creditor_signature", "wrong_preimage", "not_a_party", "bad_payer_signature", "not_a_party"]);
  });

  it("disputes a second version of the same settlement", async () => {
    const s = settlementOf(a.id, b.id, 10);
    const one = { settlement: s, sigs: { payer: await signSettlement(a.signer, s) } };
    expect(await b.ledger.receive(one, a.id)).toEqual({ outcome: "stored" });
    const other = { ...s, reference: "another" };
    expect(await b.ledger.receive({ settlement: other, sigs: { payer: await signSettlement(a.signer, other) } }, a.id)).toEqual({ outcome: "disputed" });
    expect((await b.ledger.get(s.id))?.status).toBe("disputed");
    // A confirmed version of another settlement under a held pending id does not complete it.
    const t = settlementOf(a.id, b.id, 10);
    expect(await b.ledger.receive({ settlement: t, sigs: { payer: await signSettlement(a.signer, t) } }, a.id)).toEqual({ outcome: "stored" });
    const altered = { ...t, amount: 11 };
    const confirmedAltered = { settlement: altered, sigs: { payer: await signSettlement(a.signer, altered), payee: await signSettlement(b.signer, altered) } };
    expect(await b.ledger.receive(confirmedAltered, a.id)).toEqual({ outcome: "disputed" });
    expect(await row(b)).toBeUndefined();
  });

  it("reconciles set-offs and settlements like calls", async () => {
    await call(a, b, 1_000, 100);
    const so = await signedBoth(setOffOf(a.id, b.id, 20), a, b);
    await a.ledger.receive(so, null);
    const s = settlementOf(a.id, b.id, 15);
    const confirmed = { settlement: s, sigs: { payer: await signSettlement(a.signer, s), payee: await signSettlement(b.signer, s) } };
    await b.ledger.receive(confirmed, null);
    // a holds the set-off, b the confirmed settlement: one reconciliation brings each the other.
    const report = await a.reconciler.reconcileWith(b.id);
    expect(report).toMatchObject({ sent: 1, received: 1, refused: 0 });
    expect(await row(a)).toMatchObject({ cleared: 20, settled: 15, net: -65 });
    expect(await row(b)).toMatchObject({ cleared: -20, settled: -15, net: 65 });
    expect(await a.ledger.obligationWith(b.id, "credit", 20_000)).toEqual(await b.ledger.obligationWith(a.id, "credit", 20_000));
  });
});
