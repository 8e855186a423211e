// The payee looks again at the settlements it holds pending (Settlements.recheck, run on the
// tick), with a clock the test moves: two in-process ledger nodes on real libSQL files, the payer
// paying through Stripe's PaymentIntents API as served by the loopback double (Stripe's own mock
// server has no build that runs here: docs/testing.md). A payment still processing when the
// payee first hears of it is countersigned once it succeeds; looks that find nothing wait longer
// each time; a tick asks about a bounded number.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SettlementAdapter } from "../../src/node/ledger/settlement/adapter.ts";
import { manualAdapter } from "../../src/node/ledger/settlement/manual.ts";
import { RECHECK_JOB, Settlements } from "../../src/node/ledger/settlement/settlements.ts";
import { StripeAdapter } from "../../src/node/ledger/settlement/stripe.ts";
import type { LedgerHandlers } from "../../src/node/ledger/reconciliation.ts";
import { retryWait } from "../../src/node/schedules/schedule.ts";
import type { SettlementMethod } from "../../src/protocol/ledger/settlement.ts";
import { ScheduleRuns } from "../../src/store/schedules.ts";
import { ed25519TestSigner, TestKeyring } from "../support/ed25519.ts";
import { ledgerNode, type LedgerNode } from "../support/ledger.ts";
import { startStripeDouble, type StripeDouble } from "../support/stripe-double.ts";

let stripe: StripeDouble;
let a: LedgerNode;
let b: LedgerNode;
let payer: Settlements;
let payee: Settlements;
let runs: ScheduleRuns;
let clock: number;
/** Whether the payee has Stripe configured. */
let payeeStripe: boolean;

beforeAll(async () => {
  stripe = await startStripeDouble();
});
afterAll(() => stripe.close());

beforeEach(async () => {
  const [ia, ib] = await Promise.all([ed25519TestSigner(), ed25519TestSigner()]);
  const keys = new TestKeyring().add(ia, ib);
  const directory = new Map<string, LedgerHandlers>();
  a = await ledgerNode(ia.signer, keys, directory);
  b = await ledgerNode(ib.signer, keys, directory);
  clock = Date.now();
  payeeStripe = true;
  const base = { secret: stripe.key, apiUrl: stripe.url, fetch: globalThis.fetch };
  const stripeOf = (settings: ConstructorParameters<typeof StripeAdapter>[0]["settings"]) => new StripeAdapter({ ...base, settings });
  const adapters = (stripeAdapter: () => SettlementAdapter | undefined) => async (method: SettlementMethod) => (method === "manual" ? manualAdapter : stripeAdapter());
  payee = new Settlements({ self: b.id, ledger: b.ledger, signer: async () => b.signer, adapter: adapters(() => (payeeStripe ? stripeOf({}) : undefined)), send: () => Promise.reject(new Error("the payee sends nothing")), now: () => clock });
  payer = new Settlements({
    self: a.id,
    ledger: a.ledger,
    signer: async () => a.signer,
    adapter: adapters(() => stripeOf({ customer: "cus_payer", paymentMethod: "pm_card_visa" })),
    send: (to, request) => (to === b.id ? payee.receive(a.id, structuredClone(request)) : Promise.reject(new Error("unreachable"))),
    now: () => clock,
  });
  runs = new ScheduleRuns(b.db(), RECHECK_JOB);
  stripe.confirmAs("succeeded");
});

afterEach(() => {
  a.close();
  b.close();
});

/** A Stripe payment that is still processing when the payee hears of it: pending on both sides. */
async function processingPayment(amount: number) {
  stripe.confirmAs("processing");
  const settled = await payer.settle({ peer: b.id, unit: "EUR", amount, method: "stripe" });
  stripe.confirmAs("succeeded");
  expect(settled).toMatchObject({ status: "pending", note: "unpaid" });
  return settled.settlement;
}

const statusAt = async (node: LedgerNode, id: string) => (await node.ledger.get(id))?.status;

describe("the payee's pending settlements on the tick", () => {
  it("are countersigned once the payment succeeds, asked about after waits that double while it does not", async () => {
    const s = await processingPayment(1250);
    expect(await statusAt(b, s.id)).toBe("pending");
    // First tick: asked, still processing.
    expect(await payee.recheck(runs, 8)).toEqual({ pending: 1, checked: 1, confirmed: [] });
    const first = clock;
    clock = first + retryWait(1) - 1;
    expect(await payee.recheck(runs, 8)).toMatchObject({ pending: 1, checked: 0 });
    clock = first + retryWait(1);
    expect(await payee.recheck(runs, 8)).toMatchObject({ checked: 1, confirmed: [] });
    const second = clock;
    // The payment goes through at Stripe; the payee's next look is after the doubled wait.
    stripe.intents.get(s.reference)!.status = "succeeded";
    clock = second + retryWait(2) - 1;
    expect(await payee.recheck(runs, 8)).toMatchObject({ checked: 0 });
    expect(await statusAt(b, s.id)).toBe("pending");
    clock = second + retryWait(2);
    expect(await payee.recheck(runs, 8)).toEqual({ pending: 1, checked: 1, confirmed: [s.id] });
    expect(await statusAt(b, s.id)).toBe("confirmed");
    expect((await b.ledger.balances()).find((x) => x.unit === "EUR")).toMatchObject({ peer: a.id, settled: -1250 });
    // Nothing left to ask about, and the look's row is gone.
    expect(await payee.recheck(runs, 8)).toEqual({ pending: 0, checked: 0, confirmed: [] });
    expect(await runs.of()).toEqual(new Map());
    // The payer's copy is confirmed by reconciliation.
    expect(await statusAt(a, s.id)).toBe("pending");
    await a.reconciler.reconcileWith(b.id);
    expect(await statusAt(a, s.id)).toBe("confirmed");
  });

  it("asks about at most the limit a tick, the least recently asked first", async () => {
    const ids = [];
    for (const amount of [100, 200, 300]) ids.push((await processingPayment(amount)).id);
    const first = await payee.recheck(runs, 2);
    expect(first).toMatchObject({ pending: 3, checked: 2 });
    const looked = [...(await runs.of()).keys()];
    expect(looked).toHaveLength(2);
    clock += 1000;
    expect(await payee.recheck(runs, 2)).toMatchObject({ checked: 1 });
    expect([...(await runs.of()).keys()].sort()).toEqual([...ids].sort());
  });

  it("never asks about a manual settlement, nor one whose method this node has no adapter for", async () => {
    const manual = await payer.settle({ peer: b.id, unit: "EUR", amount: 70, method: "manual", reference: "SEPA 2026-12-05 #17" });
    expect(manual.status).toBe("pending");
    payeeStripe = false;
    stripe.confirmAs("processing");
    const viaStripe = await payer.settle({ peer: b.id, unit: "EUR", amount: 80, method: "stripe" });
    stripe.confirmAs("succeeded");
    expect(viaStripe.status).toBe("pending");
    const asked = stripe.requests.length;
    expect(await payee.recheck(runs, 8)).toEqual({ pending: 0, checked: 0, confirmed: [] });
    expect(stripe.requests.length).toBe(asked);
    expect(await statusAt(b, manual.settlement.id)).toBe("pending");
  });
});
