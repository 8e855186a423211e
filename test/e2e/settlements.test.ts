// Set-offs and settlements between two real node processes on loopback (protocol §16, §16).
// The test holds each node's NODE_SEED, so it signs call records and set-offs as the nodes would and
// hands them over through the admin API's restore or a sealed ledger-transfer, which verify them as
// a peer's. Settlements run through the nodes themselves: the CLI pays, the payee's operator
// confirms, thresholds act on the tick. Stripe is a loopback double (test/support/stripe-double.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compositeVerifier } from "../../src/protocol/identity/composite.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives, type Primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { quoteOf, type Pricing } from "../../src/protocol/ledger/pricing.ts";
import { hashlockOf, signSetOff, type SetOff, type SetOffRecord } from "../../src/protocol/ledger/set-off.ts";
import { newSettlementId, SETTLEMENT_CONTEXT, settlementBytes, signSettlement, type Settlement } from "../../src/protocol/ledger/settlement.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { countersign, signIntent, signReceipt, type LedgerSigner, type LedgerVerifier } from "../../src/protocol/ledger/signing.ts";
import type { LedgerRecord } from "../../src/protocol/ledger/record.ts";
import type { Balance } from "../../src/store/ledger.ts";
import { cli } from "../support/cli.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";
import { eventually, json, loopbackNode, type NodeProc } from "../support/processes.ts";
import { startStripeDouble, type StripeDouble } from "../support/stripe-double.ts";
import { tick } from "../support/tick.ts";

interface Party {
  seed: string;
  id: string;
  signer: LedgerSigner;
}

let p: Primitives;
const publicKeys = new Map<string, Uint8Array>();
const verifier: LedgerVerifier = {
  async keyOf(node) {
    const pub = publicKeys.get(node);
    if (!pub) return undefined;
    const key = await compositeVerifier(p, pub);
    return { verify: (message, signature, context) => key.verify(signature, message, context) };
  },
};

async function party(seed: string): Promise<Party> {
  const k = await signingKeyFromSeed(p, parseSeed(seed));
  publicKeys.set(k.nodeId, k.signer.publicKey);
  return { seed, id: k.nodeId, signer: { nodeId: k.nodeId, sign: (m: Uint8Array, c: string) => k.signer.sign(m, c) } };
}

let clock = Date.now() - 3_600_000;
async function call(consumer: Party, provider: Party, pricing: Pricing): Promise<LedgerRecord> {
  const at = (clock += 1000);
  const intent = await signIntent(consumer.signer, {
    provider: provider.id,
    tool: { id: `${provider.id}/everything/echo`, fingerprint: `sha256:${"ab".repeat(32)}` },
    params: { at },
    price: quoteOf(pricing),
    requestedAt: at,
  });
  const receipt = await signReceipt(provider.signer, intent, { result: { content: [] }, durationMs: 40, completedAt: at + 40 });
  return countersign(consumer.signer, verifier, intent, receipt, 1000);
}

const PREIMAGE = "3c".repeat(32);
const setOffOf = (debtor: Party, creditor: Party, amount: number): SetOff => ({
  v: "mcpfed/1",
  type: "set-off",
  round: "7e".repeat(32),
  debtor: debtor.id,
  creditor: creditor.id,
  unit: "usd-micro",
  amount,
  obligation: { amount: 300, asOf: clock, digest: "5d".repeat(32) },
  potentials: { debtor: 0, creditor: 1 },
  limits: { debtor: 100, creditor: 100 },
  hashlock: hashlockOf(PREIMAGE),
  expires: clock + 10_000,
});
async function signedSetOff(s: SetOff, debtor: Party, creditor: Party, preimage = PREIMAGE): Promise<SetOffRecord> {
  return { setOff: s, sigs: { debtor: await signSetOff(debtor.signer, s), creditor: await signSetOff(creditor.signer, s) }, preimage };
}

const balanceOf = async (n: NodeProc, unit: string) => (await json<{ balances: Balance[] }>(await n.admin("GET", "/ledger/balances"))).balances.find((b) => b.unit === unit);
const restore = async (n: NodeProc, records: unknown[]) => (await json<{ results: { outcome: string; reason?: string }[] }>(await n.admin("POST", "/ledger/records", { records }))).results;
const settlementsOf = async (n: NodeProc) => (await json<{ settlements: { id: string; side: string; status: string; reason: string | null }[] }>(await n.admin("GET", "/ledger/settlements"))).settlements;
const auditOf = async (n: NodeProc, action: string) => (await json<{ entries: { decision: string; reason: string; details: string | null }[] }>(await n.admin("GET", `/audit?action=${action}`))).entries;

/** A signature by `by` over the settlement, whoever it names: what a forger sends. */
const signedBy = async (by: Party, s: Settlement) => toBase64url(await by.signer.sign(settlementBytes(s), SETTLEMENT_CONTEXT));

async function sendAs(from: Party, to: NodeProc, name: string, payload: unknown) {
  const request = await sealAs(from, to, name, payload);
  const res = await request.post();
  expect(res.status).toBe(200);
  return openedAnswer(request, res);
}

let pa: Party, pb: Party, pc: Party;
let a: NodeProc, b: NodeProc;
let stripe: StripeDouble;

beforeAll(async () => {
  p = await primitives();
  const seeds = [newSeed(), newSeed(), newSeed()];
  [pa, pb, pc] = (await Promise.all(seeds.map(party))) as [Party, Party, Party];
  stripe = await startStripeDouble();
  [a, b] = await Promise.all([
    loopbackNode("alpha", { env: { NODE_SEED: seeds[0]!, PEER_POLICY: "open" } }),
    loopbackNode("bravo", { env: { NODE_SEED: seeds[1]!, PEER_POLICY: "open" } }),
  ]);
  await json(await b.admin("POST", "/peers", { url: a.url }));
  // A owes B 500 usd-micro.
  const calls = [await call(pa, pb, { model: "per_call", amount: 250, unit: "usd-micro" }), await call(pa, pb, { model: "per_call", amount: 250, unit: "usd-micro" })];
  for (const n of [a, b]) expect((await restore(n, calls)).map((r) => r.outcome)).toEqual(["stored", "stored"]);
}, 90_000);

afterAll(async () => {
  await Promise.all([a, b].map((n) => n?.stop()));
  await stripe?.close();
});

describe("settlements and set-offs between two nodes", () => {
  let settlementId: string;

  it("a manual settlement stays pending until the payee's operator confirms it, then reduces both nets equally", async () => {
    const env = { MCPFED_URL: a.url, ADMIN_TOKEN: a.adminToken };
    const paid = await cli(["ledger", "settle", pb.id, "--unit", "usd-micro", "--amount", "200", "--method", "manual", "--reference", "SEPA 2026-12-05 #1", "--json"], env);
    expect(paid, paid.stderr).toMatchObject({ code: 0 });
    const settled = JSON.parse(paid.stdout) as { settlement: { id: string }; status: string; note: string };
    expect(settled).toMatchObject({ status: "pending", note: "unverified" });
    settlementId = settled.settlement.id;
    expect(await settlementsOf(b)).toMatchObject([{ id: settlementId, side: "payee", status: "pending" }]);
    expect(await balanceOf(a, "usd-micro")).toMatchObject({ settled: 0, net: -500 });
    expect(await balanceOf(b, "usd-micro")).toMatchObject({ settled: 0, net: 500 });
    // The payer cannot confirm its own payment.
    expect((await a.admin("POST", `/ledger/settlements/${settlementId}/confirm`)).status).toBe(409);

    const confirmed = await cli(["ledger", "settlement", "confirm", settlementId], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });
    expect(confirmed, confirmed.stderr).toMatchObject({ code: 0 });
    expect(await balanceOf(b, "usd-micro")).toMatchObject({ settled: -200, net: 300 });
    // The payer's copy arrives by reconciliation (started by the confirmation).
    await eventually(async () => expect(await balanceOf(a, "usd-micro")).toMatchObject({ settled: 200, net: -300 }), 15_000);
    expect(await settlementsOf(a)).toMatchObject([{ id: settlementId, side: "payer", status: "confirmed" }]);
    const report = await json<{ reconciled: { sent: number; received: number } }>(await a.admin("POST", `/ledger/reconcile/${pb.id}`));
    expect(report.reconciled).toMatchObject({ sent: 0, received: 0 });
  });

  it("refuses a settlement signed by the wrong node, or carried by another, and nothing changes", async () => {
    const before = [await balanceOf(a, "usd-micro"), await balanceOf(b, "usd-micro")];
    const s: Settlement = { v: "mcpfed/1", type: "settlement", id: newSettlementId(), payer: pa.id, payee: pb.id, unit: "usd-micro", amount: 100, method: "manual", reference: "forged", paidAt: Date.now() };
    const byC = await sendAs(pa, b, "settlement", { type: "settlement", record: { settlement: s, sigs: { payer: await signedBy(pc, s) } } });
    expect(byC).toEqual({ ok: true, result: { type: "settlement", status: "refused", reason: "bad_payer_signature" } });
    const notFromPayer = await sendAs(pa, b, "settlement", { type: "settlement", record: { settlement: { ...s, payer: pc.id }, sigs: { payer: await signSettlement(pc.signer, { ...s, payer: pc.id }) } } });
    expect(notFromPayer).toEqual({ ok: true, result: { type: "settlement", status: "refused", reason: "not_a_party" } });
    // A payee's signature made by the payer is no confirmation.
    const selfConfirmed = { settlement: s, sigs: { payer: await signSettlement(pa.signer, s), payee: await signedBy(pa, s) } };
    expect(await restore(b, [selfConfirmed])).toMatchObject([{ outcome: "rejected", reason: "bad_payee_signature" }]);
    expect([await balanceOf(a, "usd-micro"), await balanceOf(b, "usd-micro")]).toEqual(before);
    expect((await settlementsOf(b)).map((x) => x.id)).toEqual([settlementId]);
  });

  it("refuses a forged set-off, one with the wrong preimage and one naming a third node; takes a valid one on both sides", async () => {
    const before = await balanceOf(a, "usd-micro");
    const good = await signedSetOff(setOffOf(pa, pb, 120), pa, pb);
    const forged = { ...good, sigs: { ...good.sigs, creditor: await signSetOff(pa.signer, good.setOff) } };
    const wrongPreimage = { ...good, preimage: "3d".repeat(32) };
    const third = await signedSetOff(setOffOf(pb, pc, 50), pb, pc);
    const sent = await sendAs(pb, a, "ledger-transfer", { records: [forged, wrongPreimage, third], want: [] });
    expect(sent).toEqual({ ok: true, result: { refused: 3, wanted: [] } });
    expect(await restore(a, [forged, wrongPreimage, third])).toMatchObject([
      { outcome: "rejected", reason: "bad_creditor_signature" },
      { outcome: "rejected", reason: "wrong_preimage" },
      { outcome: "rejected", reason: "not_a_party" },
    ]);
    expect(await balanceOf(a, "usd-micro")).toEqual(before);

    expect(await restore(a, [good])).toMatchObject([{ outcome: "stored" }]);
    // B gets it by reconciliation, as a party that missed a round's reveal would.
    await json(await a.admin("POST", `/ledger/reconcile/${pb.id}`));
    expect(await balanceOf(a, "usd-micro")).toMatchObject({ cleared: 120, settled: 200, net: -180 });
    expect(await balanceOf(b, "usd-micro")).toMatchObject({ cleared: -120, settled: -200, net: 180 });
    const exported = await json<{ records: { kind: string; amount: number }[] }>(await b.admin("GET", "/ledger/export"));
    expect(exported.records.map((r) => r.kind).sort()).toEqual(["call", "call", "set-off", "settlement"]);
    const listed = await cli(["ledger", "records"], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });
    expect(listed, listed.stderr).toMatchObject({ code: 0 });
    expect(listed.stdout).toMatch(/set-off, round 7e7e.*120 usd-micro/);
    expect(listed.stdout).toMatch(/settlement: SEPA 2026-12-05 #1.*200 usd-micro/);
  });

  it("a threshold without a paying adapter alerts once; with Stripe it pays once and the payee confirms it", async () => {
    await json(await a.admin("PUT", `/ledger/thresholds/${pb.id}/usd-micro`, { amount: 100 }));
    const first = await tick(a);
    expect(first.thresholds).toEqual({ actions: [{ peer: pb.id, unit: "usd-micro", owed: 180, action: "alert", reason: "no_paying_adapter" }] });
    expect(await tick(a)).toMatchObject({ thresholds: { actions: [] } });
    expect(await auditOf(a, "ledger.threshold.alert")).toHaveLength(1);

    // EUR: A owes B 900 cents; both nodes use the Stripe double, A to pay, B to verify.
    const eur = await call(pa, pb, { model: "per_call", amount: 900, unit: "EUR" });
    for (const n of [a, b]) expect(await restore(n, [eur])).toMatchObject([{ outcome: "stored" }]);
    expect((await a.admin("PUT", "/ledger/settlement-methods/stripe", { secretKey: stripe.key, customer: "cus_alpha", paymentMethod: "pm_card_visa", apiUrl: stripe.url })).status).toBe(200);
    expect((await b.admin("PUT", "/ledger/settlement-methods/stripe", { secretKey: stripe.key, apiUrl: stripe.url })).status).toBe(200);
    await json(await a.admin("PUT", `/ledger/thresholds/${pb.id}/EUR`, { amount: 500 }));
    const paying = await tick(a);
    const actions = (paying.thresholds as { actions: { unit: string; action: string }[] }).actions;
    expect(actions.map((x) => `${x.unit} ${x.action}`)).toEqual(["EUR paid"]);
    expect([...stripe.intents.values()]).toMatchObject([{ amount: 900, currency: "eur", status: "succeeded" }]);
    expect(await balanceOf(a, "EUR")).toMatchObject({ spent: 900, settled: 900, net: 0 });
    expect(await balanceOf(b, "EUR")).toMatchObject({ earned: 900, settled: -900, net: 0 });
    expect(await tick(a)).toMatchObject({ thresholds: { actions: [] } });
    expect(stripe.intents.size).toBe(1);
    // The key is sealed at rest and in no answer or log.
    expect(JSON.stringify(await json(await a.admin("GET", "/ledger/settlement-methods")))).not.toContain(stripe.key);
    for (const n of [a, b]) expect(n.output()).not.toContain(stripe.key);
  });

  it("the payee's tick confirms a Stripe payment that was still processing when it arrived", async () => {
    stripe.confirmAs("processing");
    const settled = await json<{ settlement: { id: string; reference: string }; status: string; note: string }>(await a.admin("POST", "/ledger/settlements", { peer: pb.id, unit: "EUR", amount: 40, method: "stripe" }));
    stripe.confirmAs("succeeded");
    expect(settled).toMatchObject({ status: "pending", note: "unpaid" });
    const id = settled.settlement.id;
    expect((await settlementsOf(b)).find((x) => x.id === id)).toMatchObject({ side: "payee", status: "pending", reason: "payment_not_found" });
    // It goes through at Stripe; the payee's next tick asks (its first look) and countersigns it.
    // The waits between looks are tested with a moved clock in test/node/settlement-recheck.test.ts.
    stripe.intents.get(settled.settlement.reference)!.status = "succeeded";
    expect((await tick(b)).settlements).toEqual({ pending: 1, checked: 1, confirmed: [id] });
    expect((await settlementsOf(b)).find((x) => x.id === id)).toMatchObject({ status: "confirmed" });
    // The payer's copy by reconciliation.
    await json(await a.admin("POST", `/ledger/reconcile/${pb.id}`));
    expect((await settlementsOf(a)).find((x) => x.id === id)).toMatchObject({ side: "payer", status: "confirmed" });
    expect((await tick(b)).settlements).toEqual({ pending: 0, checked: 0, confirmed: [] });
  });
});
