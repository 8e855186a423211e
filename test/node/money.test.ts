// Money over real libSQL: invoice numbers allocated atomically when two processes of a node race
// for the same invoice, lines and totals with set-offs and settlements, and reports with what
// clearing saved. Ledger rows are written straight into the table here (their signatures are the
// ledger's business, tested elsewhere); the arithmetic on them is what is under test.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { invoiceLines, invoiceTotals } from "../../src/node/money/invoices.ts";
import { bucketStart, report } from "../../src/node/money/reports.ts";
import { issueInvoice, movements, type Movement } from "../../src/store/money.ts";
import { ledgerRecords } from "../../src/store/schema/index.ts";
import { memoryDb, openDatabaseFile, type TestDatabase } from "../support/libsql.ts";
import { tempDir } from "../support/processes.ts";

const opened: TestDatabase[] = [];
afterEach(() => {
  for (const d of opened.splice(0)) d.close();
});

const PEER = "p".repeat(20);
const row = (periodFrom: number) => ({ peer: PEER, periodFrom, periodTo: periodFrom + 1000, issuedAt: 1, document: "{}" });

describe("invoice numbers", () => {
  it("gives one number to one invoice however many processes ask at once, and the next to the next", async () => {
    const file = join(tempDir(), "node.db");
    const [one, two] = [await openDatabaseFile(file), await openDatabaseFile(file)];
    opened.push(one, two);
    const raced = await Promise.all([one, two, one, two, one, two].map((d) => issueInvoice(d.db, row(0))));
    expect(raced.map((r) => r.row.number)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(raced.filter((r) => r.issued)).toHaveLength(1);
    // The refused inserts spent no number.
    expect((await issueInvoice(two.db, row(5000))).row.number).toBe(2);
    const reopened = await openDatabaseFile(file);
    opened.push(reopened);
    expect((await issueInvoice(reopened.db, row(9000))).row).toMatchObject({ number: 3, periodFrom: 9000 });
  });
});

const call = (role: Movement["role"], tool: string, amount: number, unit = "EUR", price: object = { model: "per_call", amount, unit }): Movement => ({
  peer: PEER,
  role,
  kind: "call",
  unit,
  amount,
  completedAt: 1,
  record: JSON.stringify({ intent: { tool: { id: tool }, price }, receipt: { units: 1, amount, unit } }),
});
const other = (kind: "set-off" | "settlement", role: Movement["role"], amount: number, unit = "EUR"): Movement => ({ peer: PEER, role, kind, unit, amount, completedAt: 1, record: "{}" });

describe("invoice lines and totals", () => {
  it("groups calls per tool, model and price, signs set-offs and settlements by whom they favoured, and taxes the charges only", () => {
    const lines = invoiceLines([
      call("provider", "n/u/echo", 250),
      call("provider", "n/u/echo", 250),
      call("provider", "n/u/echo", 300),
      call("consumer", "m/u/sum", 40),
      other("set-off", "provider", 100),
      other("settlement", "provider", 200),
      other("settlement", "consumer", 5),
    ]);
    expect(lines.map((l) => [l.kind, l.tool ?? "", l.price ?? null, l.quantity, l.amount])).toEqual([
      ["charge", "n/u/echo", 250, 2, 500],
      ["charge", "n/u/echo", 300, 1, 300],
      ["credit", "m/u/sum", 40, 1, -40],
      ["set-off", "", null, 1, -100],
      ["settlement", "", null, 1, -200],
      ["settlement", "", null, 1, 5],
    ]);
    const [t] = invoiceTotals(lines, [
      { name: "VAT", percent: "19" },
      { name: "levy", percent: "0.5" },
    ]);
    // 19 % of 800 = 152; 0.5 % = 4; 800 + 152 + 4 − 40 − 100 − 195 = 621.
    expect(t).toEqual({ unit: "EUR", charges: 800, taxes: [{ name: "VAT", percent: "19", amount: 152 }, { name: "levy", percent: "0.5", amount: 4 }], credits: -40, cleared: -100, settled: -195, total: 621 });
  });
});

describe("reports", () => {
  const DAY = 86_400_000;
  const d0 = Date.UTC(2026, 10, 2); // a Monday
  let n = 0;
  const put = (kind: "call" | "set-off" | "settlement", role: "consumer" | "provider", amount: number, at: number, unit = "EUR") => ({
    id: (n++).toString(16).padStart(64, "0"),
    kind,
    peer: PEER,
    role,
    status: "confirmed" as const,
    hash: (n + 1000).toString(16).padStart(64, "0"),
    completedAt: at,
    unit,
    amount,
    record: "{}",
  });

  it("carries balances across buckets and says what clearing saved", async () => {
    const db = await memoryDb();
    await db.insert(ledgerRecords).values([
      put("call", "provider", 1000, d0 - DAY), // before the report: the opening balance
      put("call", "provider", 500, d0 + 1000),
      put("call", "consumer", 200, d0 + 2000),
      put("set-off", "provider", 300, d0 + DAY + 5),
      put("settlement", "provider", 400, d0 + 8 * DAY),
      put("call", "provider", 9, d0 + 2000, "credit"),
    ]);
    expect((await movements(db, { to: d0 + 30 * DAY })).map((m) => m.kind)).toEqual(["call", "call", "call", "call", "set-off", "settlement"]);
    const days = await report(db, { from: d0, to: d0 + 2 * DAY, every: "day" });
    expect(days.map((r) => [r.start, r.unit, r.earned, r.spent, r.cleared, r.settled, r.net, r.gross, r.savings])).toEqual([
      ["2026-11-02", "EUR", 500, 200, 0, 0, 1300, 1300, 0],
      ["2026-11-02", "credit", 9, 0, 0, 0, 9, 9, 0],
      // 300 of 1300 cleared: 1000 left.
      ["2026-11-03", "EUR", 0, 0, -300, 0, 1000, 1300, 0.2308],
      ["2026-11-03", "credit", 0, 0, 0, 0, 9, 9, 0],
    ]);
    const weeks = await report(db, { from: d0, to: d0 + 14 * DAY, every: "week", unit: "EUR" });
    expect(weeks.map((r) => [r.start, r.end, r.cleared, r.settled, r.net])).toEqual([
      ["2026-11-02", "2026-11-09", -300, 0, 1000],
      ["2026-11-09", "2026-11-16", 0, -400, 600],
    ]);
    expect(new Date(bucketStart(d0 + 3 * DAY + 5, "week")).toISOString().slice(0, 10)).toBe("2026-11-02");
    expect(new Date(bucketStart(d0 + 3 * DAY, "month")).toISOString().slice(0, 10)).toBe("2026-11-01");
  });
});
