// Money over real libSQL: invoice numbers allocated atomically when two processes of a node race
// for the same invoice, lines and totals with set-offs and settlements, and reports with what
// clearing saved. Ledger rows are written straight into the table here (their signatures are the
// ledger's business, tested elsewhere); the arithmetic on them is what is under test.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { invoiceLines, invoiceTotals } from "../../src/node/money/invoices.ts";
import { bucketStart, report, type ReportQuery, type ReportRow } from "../../src/node/money/reports.ts";
import { bucketSums, issueInvoice, lineSums } from "../../src/store/money.ts";
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

let n = 0;
/** A confirmed ledger row as the ledger stores it (its record text only as far as invoices read it). */
const put = (kind: "call" | "set-off" | "settlement", role: "consumer" | "provider", amount: number, at: number, unit = "EUR", record = "{}") => ({
  id: (n++).toString(16).padStart(64, "0"),
  kind,
  peer: PEER,
  role,
  status: "confirmed" as const,
  hash: (n + 100_000).toString(16).padStart(64, "0"),
  completedAt: at,
  unit,
  amount,
  record,
});
const call = (role: "consumer" | "provider", tool: string, amount: number, price: object = { model: "per_call", amount, unit: "EUR" }, units = 1) =>
  put("call", role, amount, 10, "EUR", JSON.stringify({ intent: { tool: { id: tool }, price }, receipt: { units, amount, unit: "EUR" } }));

describe("invoice lines and totals", () => {
  it("groups calls per tool, model and price in the database, signs set-offs and settlements by whom they favoured, and taxes the charges only", async () => {
    const db = await memoryDb();
    await db.insert(ledgerRecords).values([
      call("provider", "n/u/echo", 250),
      call("provider", "n/u/echo", 250),
      call("provider", "n/u/echo", 300),
      call("provider", "n/u/slow", 30, { model: "per_time", per: "second", amount: 10, unit: "EUR" }, 3),
      call("consumer", "m/u/sum", 40),
      put("set-off", "provider", 100, 10),
      put("settlement", "provider", 200, 10),
      put("settlement", "consumer", 5, 10),
      // Outside the period, another peer's, unconfirmed: none is on the invoice.
      put("call", "provider", 999, 5000, "EUR", JSON.stringify({ intent: { tool: { id: "n/u/echo" }, price: { model: "per_call", amount: 999, unit: "EUR" } }, receipt: { units: 1 } })),
      { ...call("provider", "n/u/echo", 250), peer: "q".repeat(20) },
      { ...call("provider", "n/u/echo", 250), status: "pending" as const },
    ]);
    const lines = invoiceLines(await lineSums(db, { peer: PEER, from: 0, to: 1000 }));
    expect(lines.map((l) => [l.kind, l.tool ?? "", l.model, l.price ?? null, l.quantity, l.units, l.amount])).toEqual([
      ["charge", "n/u/echo", "per_call", 250, 2, 2, 500],
      ["charge", "n/u/echo", "per_call", 300, 1, 1, 300],
      ["charge", "n/u/slow", "per_time/second", 10, 1, 3, 30],
      ["credit", "m/u/sum", "per_call", 40, 1, 1, -40],
      ["set-off", "", "set-off", null, 1, 1, -100],
      ["settlement", "", "settlement", null, 1, 1, -200],
      ["settlement", "", "settlement", null, 1, 1, 5],
    ]);
    const [t] = invoiceTotals(lines, [
      { name: "VAT", percent: "19" },
      { name: "levy", percent: "0.5" },
    ]);
    // 19 % of 830 = 157.7 → 158; 0.5 % = 4.15 → 4; 830 + 158 + 4 − 40 − 100 − 195 = 657.
    expect(t).toEqual({ unit: "EUR", charges: 830, taxes: [{ name: "VAT", percent: "19", amount: 158 }, { name: "levy", percent: "0.5", amount: 4 }], credits: -40, cleared: -100, settled: -195, total: 657 });
  });
});

describe("reports", () => {
  const DAY = 86_400_000;
  const d0 = Date.UTC(2026, 10, 2); // a Monday
  const rows = async (db: Awaited<ReturnType<typeof memoryDb>>, q: Omit<ReportQuery, "limit">) => (await report(db, { ...q, limit: 1000 })).rows;

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
    const days = await rows(db, { from: d0, to: d0 + 2 * DAY, every: "day" });
    expect(days.map((r) => [r.start, r.unit, r.earned, r.spent, r.cleared, r.settled, r.net, r.gross, r.savings])).toEqual([
      ["2026-11-02", "EUR", 500, 200, 0, 0, 1300, 1300, 0],
      ["2026-11-02", "credit", 9, 0, 0, 0, 9, 9, 0],
      // 300 of 1300 cleared: 1000 left.
      ["2026-11-03", "EUR", 0, 0, -300, 0, 1000, 1300, 0.2308],
      ["2026-11-03", "credit", 0, 0, 0, 0, 9, 9, 0],
    ]);
    const weeks = await rows(db, { from: d0, to: d0 + 14 * DAY, every: "week", unit: "EUR" });
    expect(weeks.map((r) => [r.start, r.end, r.cleared, r.settled, r.net])).toEqual([
      ["2026-11-02", "2026-11-09", -300, 0, 1000],
      ["2026-11-09", "2026-11-16", 0, -400, 600],
    ]);
    expect(new Date(bucketStart(d0 + 3 * DAY + 5, "week")).toISOString().slice(0, 10)).toBe("2026-11-02");
    expect(new Date(bucketStart(d0 + 3 * DAY, "month")).toISOString().slice(0, 10)).toBe("2026-11-01");
  });

  it("puts each row in the bucket the calendar gives it: days, weeks from Monday, months, across a year's end", async () => {
    const db = await memoryDb();
    const times = [Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1), Date.UTC(2027, 0, 3, 12), Date.UTC(2027, 0, 4), Date.UTC(2027, 1, 28, 23), Date.UTC(2028, 1, 29, 1)];
    await db.insert(ledgerRecords).values(times.map((at) => put("call", "provider", 1, at)));
    for (const every of ["day", "week", "month"] as const) {
      const sums = await bucketSums(db, { from: 0, to: Date.UTC(2030, 0, 1), every });
      const expected = new Map<number, number>();
      for (const at of times) expected.set(bucketStart(at, every), (expected.get(bucketStart(at, every)) ?? 0) + 1);
      expect(new Map(sums.map((s) => [s.bucket, s.amount])), every).toEqual(expected);
    }
  });

  it("pages by (bucket, peer, unit): the pages joined are the whole report, the totals cover the whole period on every page", async () => {
    const db = await memoryDb();
    const other = "o".repeat(20);
    await db.insert(ledgerRecords).values([
      put("call", "provider", 1000, d0 - DAY),
      ...Array.from({ length: 9 }, (_, i) => put("call", i % 3 === 0 ? "consumer" : "provider", 10 + i, d0 + i * DAY + 5)),
      { ...put("call", "provider", 7, d0 + 2 * DAY), peer: other },
      put("set-off", "provider", 20, d0 + 4 * DAY),
      put("call", "provider", 3, d0 + 6 * DAY, "credit"),
    ]);
    const q = { from: d0, to: d0 + 9 * DAY, every: "day" as const };
    const whole = await report(db, { ...q, limit: 1000 });
    expect(whole.next).toBeNull();
    // PEER/EUR on each of the 9 days; other/EUR from day 2; PEER/credit from day 6.
    expect(whole.rows).toHaveLength(9 + 7 + 3);
    for (const limit of [1, 2, 3, 5, 16]) {
      const pages: ReportRow[][] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await report(db, { ...q, limit, ...(cursor ? { cursor } : {}) });
        expect(page.totals).toEqual(whole.totals);
        expect(page.rows.length).toBeLessThanOrEqual(limit);
        pages.push(page.rows);
        if (!page.next) break;
        cursor = page.next;
      }
      expect(pages.flat(), `limit ${limit}`).toEqual(whole.rows);
      expect(pages.length).toBe(Math.ceil(whole.rows.length / limit));
    }
    // A page boundary inside a day: the third row is the second of day 2, with the balance carried from before it.
    const three = await report(db, { ...q, limit: 3 });
    expect(three.rows.map((r) => [r.start, r.peer])).toEqual([["2026-11-02", PEER], ["2026-11-03", PEER], ["2026-11-04", other]]);
    expect((await report(db, { ...q, limit: 1, cursor: three.next! })).rows).toEqual([whole.rows[3]]);
    const eur = whole.totals.find((t) => t.peer === PEER && t.unit === "EUR")!;
    // Calls on days 0, 3, 6 bought (10, 13, 16), the others sold; 20 cleared; 1000 owed before.
    expect(eur).toEqual({ peer: PEER, unit: "EUR", earned: 11 + 12 + 14 + 15 + 17 + 18, spent: 10 + 13 + 16, cleared: -20, settled: 0, net: 1000 + 87 - 39 - 20 });
    expect(whole.rows.filter((r) => r.peer === PEER && r.unit === "EUR").at(-1)).toMatchObject({ start: "2026-11-10", net: eur.net });
    await expect(report(db, { ...q, limit: 2, cursor: "bm90IGEgY3Vyc29y" })).rejects.toThrow("not a cursor");
  });
});
