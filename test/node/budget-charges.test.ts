// Relayed calls paid from a budget (src/node/budgets/call-charges.ts): the check before a call
// against its quoted price, the debit by its ledger record after it, once per record even when two
// processes of the node pay it from one database. Real libSQL files, real signed ledger records.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { Budgets } from "../../src/node/budgets/budgets.ts";
import { CallCharges, dueBefore } from "../../src/node/budgets/call-charges.ts";
import type { LedgerHandlers } from "../../src/node/ledger/reconciliation.ts";
import { quoteOf, type Pricing } from "../../src/protocol/ledger/pricing.ts";
import { countersign, signIntent, signReceipt } from "../../src/protocol/ledger/signing.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import type { BudgetRef } from "../../src/protocol/budgets/budget.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";
import { ledgerNode, type LedgerNode } from "../support/ledger.ts";
import { openDatabaseFile, type TestDatabase } from "../support/libsql.ts";

const PER_CALL: Pricing = { model: "per_call", amount: 5, unit: "credit" };
const TOOL = { id: "prov/demo/echo", fingerprint: `sha256:${"ab".repeat(32)}` };

let me: TestIdentity;
let provider: TestIdentity;
let keys: TestKeyring;
let consumer: LedgerNode;
let providerNode: LedgerNode;
let dir: string;
/** Two connections to one database file: two processes of the node. */
let stores: TestDatabase[];
let first: CallCharges;
let second: CallCharges;
let budgets: Budgets;
let budget: BudgetRef;
let at = 1_000;

function budgetsOn(db: TestDatabase["db"]): Budgets {
  return new Budgets({
    db,
    signer: me.signer,
    keys: { keyOf: async () => undefined },
    clock: new HybridClock(),
    transport: { sync: () => Promise.reject(new Error("no peers")), ask: () => Promise.reject(new Error("no peers")) },
    peers: async () => [],
  });
}

/** A whole relayed call at `pricing`, its confirmed record held by the consumer's ledger; its id. */
async function call(pricing: Pricing = PER_CALL): Promise<string> {
  at += 1_000;
  const intent = await signIntent(me.signer, { provider: provider.signer.nodeId, tool: TOOL, params: { name: "echo", arguments: {} }, price: quoteOf(pricing), requestedAt: at });
  const receipt = await signReceipt(provider.signer, intent, { result: { content: [] }, durationMs: 40, completedAt: at + 40 });
  const confirmed = await countersign(me.signer, keys, intent, receipt, 1_000);
  expect(await consumer.ledger.receive(confirmed, null)).toEqual({ outcome: "stored" });
  return confirmed.intent.id;
}

const debitsWith = async (record: string) =>
  (await stores[0]!.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM budget_debits WHERE record = ${record}`))[0]!.n;

beforeEach(async () => {
  [me, provider] = await Promise.all([ed25519TestSigner(), ed25519TestSigner()]);
  keys = new TestKeyring().add(me, provider);
  const directory = new Map<string, LedgerHandlers>();
  consumer = await ledgerNode(me.signer, keys, directory);
  providerNode = await ledgerNode(provider.signer, keys, directory);
  dir = mkdtempSync(join(tmpdir(), "mcpfed-charges-"));
  stores = [await openDatabaseFile(join(dir, "node.db")), await openDatabaseFile(join(dir, "node.db"))];
  budgets = budgetsOn(stores[0]!.db);
  first = new CallCharges({ db: stores[0]!.db, budgets, ledger: consumer.ledger });
  second = new CallCharges({ db: stores[1]!.db, budgets: budgetsOn(stores[1]!.db), ledger: consumer.ledger });
  budget = { owner: me.signer.nodeId, task: "t1", unit: "credit" };
  await budgets.allocate(budget, 12);
  await first.set("token:p1", budget);
});

afterEach(() => {
  for (const s of stores) s.close();
  rmSync(dir, { recursive: true, force: true });
  consumer.close();
  providerNode.close();
});

describe("the check before a call", () => {
  it("holds nothing for a principal charged to no budget", async () => {
    expect(await first.check("token:other", quoteOf(PER_CALL))).toEqual({ ok: true, hold: undefined });
  });

  it("holds the quoted price, and refuses a call the rights left (less what is held) cannot pay", async () => {
    const a = await first.check("token:p1", quoteOf(PER_CALL));
    const b = await first.check("token:p1", quoteOf(PER_CALL));
    expect(a.ok && b.ok).toBe(true);
    // 12 allocated, 10 held: a third call at 5 is refused, and nothing was spent.
    expect(await first.check("token:p1", quoteOf(PER_CALL))).toMatchObject({ ok: false, code: "budget_exhausted", budget });
    expect(await budgets.rights(budget)).toBe(12);
    if (a.ok) a.hold!.release();
    expect((await first.check("token:p1", quoteOf(PER_CALL))).ok).toBe(true);
  });

  it("refuses a price in another unit than the budget's, and counts every call in a calls budget", async () => {
    expect(await first.check("token:p1", quoteOf({ model: "per_call", amount: 1, unit: "usd-micro" }))).toMatchObject({ ok: false, code: "budget_unit" });
    expect(dueBefore({ ...budget, unit: "calls" }, quoteOf({ model: "free" }))).toBe(1);
    expect(dueBefore(budget, quoteOf({ model: "free" }))).toBe(0);
    expect(dueBefore(budget, quoteOf({ model: "per_time", amount: 3, per: "second", unit: "credit" }))).toBe(3);
  });

  it("is checked against what the operator set last, and not at all once cleared", async () => {
    await first.set("token:p1", { ...budget, task: "none-here" });
    expect(await first.check("token:p1", quoteOf(PER_CALL))).toMatchObject({ ok: false, code: "budget_exhausted" });
    expect(await first.clear("token:p1")).toBe(true);
    expect(await first.clear("token:p1")).toBe(false);
    expect(await first.check("token:p1", quoteOf(PER_CALL))).toEqual({ ok: true, hold: undefined });
    expect(await first.list()).toEqual([]);
  });
});

describe("the debit after it", () => {
  it("debits the record's amount once, named by the record, and the budget's history shows it", async () => {
    const c = await first.check("token:p1", quoteOf(PER_CALL));
    if (!c.ok) throw new Error("refused");
    const record = await call();
    expect(await c.hold!.settle(record)).toEqual({ budget, amount: 5, remaining: 7 });
    // Settled again (a retry of the same answer): paid already, nothing more.
    expect(await c.hold!.settle(record)).toEqual({ budget, amount: 0, remaining: 7 });
    c.hold!.release();
    expect(await budgets.debits(budget, 10)).toEqual([expect.objectContaining({ kind: "spend", amount: 5, total: 5, principal: "token:p1", record })]);
  });

  it("pays a record once when two processes sharing the database settle it together", async () => {
    const record = await call();
    const [a, b] = await Promise.all([first.check("token:p1", quoteOf(PER_CALL)), second.check("token:p1", quoteOf(PER_CALL))]);
    if (!a.ok || !b.ok) throw new Error("refused");
    const paid = await Promise.all([a.hold!.settle(record), b.hold!.settle(record)]);
    expect(paid.map((p) => p.amount).sort()).toEqual([0, 5]);
    expect(await debitsWith(record)).toBe(1);
    expect(await budgets.view(budget)).toMatchObject({ remaining: 7 });
  });

  it("pays nothing for a record this node does not hold, or past the rights, and says why", async () => {
    const c = await first.check("token:p1", quoteOf(PER_CALL));
    if (!c.ok) throw new Error("refused");
    expect(await c.hold!.settle("f".repeat(64))).toMatchObject({ amount: 0, unpaid: expect.stringContaining("no call") });
    // The other process spent the rights meanwhile: the debit is refused, never overdrawn.
    await budgetsOn(stores[1]!.db).spend(budget, 10, { principal: "token:p2" });
    const record = await call();
    expect(await c.hold!.settle(record)).toMatchObject({ amount: 0, unpaid: expect.stringContaining("budget_exhausted") });
    expect(await debitsWith(record)).toBe(0);
  });
});
