// Invoices and reports across real node processes on loopback: A and B front one server-everything
// and share priced tools with each other; real calls through each node leave records both sign.
// B invoices A: numbers run in sequence and are never reused, across a restart of B's process;
// totals equal the records; JSON, HTML, PDF and the report's JSON and CSV agree; bad input is
// refused with a typed error and changes nothing.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { PDFDocument } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerRecord } from "../../src/protocol/ledger/record.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { parseSeed } from "../../src/protocol/identity/seed.ts";
import { hashlockOf, signSetOff, type SetOff, type SetOffRecord } from "../../src/protocol/ledger/set-off.ts";
import { newSettlementId, signSettlement, type Settlement, type SettlementRecord } from "../../src/protocol/ledger/settlement.ts";
import { formatAmount } from "../../src/protocol/ledger/currencies.ts";
import type { Invoice } from "../../src/node/money/invoices.ts";
import type { ReportRow } from "../../src/node/money/reports.ts";
import { accessibilityProblems, launchChromium } from "../support/browser.ts";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { inDrawingOrder, inReadingOrder, shown } from "../support/pdf-text.ts";
import { eventually, freePort, json, loopbackNode, ROOT, startEverything, tempDir, type NodeProc, type Upstream } from "../support/processes.ts";
import { tick } from "../support/tick.ts";

interface RecordView {
  id: string;
  role: "consumer" | "provider";
  status: string;
  record: LedgerRecord | SetOffRecord | SettlementRecord;
}

let up: Upstream;
let a: NodeProc;
let b: NodeProc;
const bDir = tempDir();
let bPort: number;
let fromA: Client;
let fromB: Client;

const startB = () => loopbackNode("bravo", { dataDir: bDir, port: bPort, env: { PEER_POLICY: "open" } });
// Dates from the file's start: a run across midnight still names the day its calls were made on.
const STARTED = Date.now();
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(STARTED - n * DAY).toISOString().slice(0, 10);
const today = () => daysAgo(0);
const month = () => today().slice(0, 7);
const yesterday = () => daysAgo(1);

const share = async (n: NodeProc, tool: string, pricing: unknown) => json(await n.admin("POST", "/shares", { tool, visibility: "peers", pricing }));
const issue = (period: string, peer = a.nodeId) => b.admin("POST", "/ledger/invoices", { peer, period });
const invoicesOf = async (n: NodeProc) => (await json<{ invoices: { number: number }[] }>(await n.admin("GET", "/ledger/invoices"))).invoices.map((i) => i.number);
const INJECTED = `<script>alert("x")</script> & 'Co'`;

beforeAll(async () => {
  bPort = await freePort();
  up = await startEverything();
  a = await loopbackNode("alpha", { env: { PEER_POLICY: "open" } });
  b = await startB();
  for (const n of [a, b]) expect((await n.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await share(b, "everything_echo", { model: "per_call", amount: 250, unit: "EUR" });
  await share(b, "everything_get-sum", { model: "per_call", amount: 7, unit: "credit" });
  await share(a, "everything_echo", { model: "per_call", amount: 40, unit: "EUR" });
  [fromA, fromB] = await Promise.all([connect(a.mcpUrl), connect(b.mcpUrl)]);
  await eventually(async () => expect((await fromA.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(["bravo_everything_echo", "bravo_everything_get-sum"])), 15_000);
  await eventually(async () => expect((await fromB.listTools()).tools.map((t) => t.name)).toContain("alpha_everything_echo"), 15_000);
  for (let i = 0; i < 3; i++) await fromA.callTool({ name: "bravo_everything_echo", arguments: { message: `paid ${i}` } });
  for (let i = 0; i < 2; i++) await fromA.callTool({ name: "bravo_everything_get-sum", arguments: { a: i, b: 1 } });
  await fromB.callTool({ name: "alpha_everything_echo", arguments: { message: "the other way" } });
  // Countersignatures reach the providers on the consumers' ticks: then both sides hold every record confirmed.
  await tick(a);
  await tick(b);
  await eventually(async () => {
    const held = (await json<{ records: RecordView[] }>(await b.admin("GET", "/ledger/records?limit=1000"))).records;
    expect(held.map((r) => r.status)).toEqual(Array(6).fill("confirmed"));
  }, 10_000);
  // A clearing round's set-off (A owed B, 1.00 € cleared) and a payment A made B outside the
  // federation (3.00 €), each signed by both nodes with their own keys, restored into B as records.
  const [sa, sb] = await Promise.all([signerIn(a.dataDir), signerIn(bDir)]);
  const preimage = "5a".repeat(32);
  const setOff: SetOff = {
    v: "mcpfed/1", type: "set-off", round: "ab".repeat(32), debtor: a.nodeId, creditor: b.nodeId, unit: "EUR", amount: 100,
    obligation: { amount: 710, asOf: Date.now() - 2000, digest: "cd".repeat(32) }, potentials: { debtor: -1, creditor: 0 }, limits: { debtor: 100, creditor: 100 }, hashlock: hashlockOf(preimage), expires: Date.now() - 1000,
  };
  const paid: Settlement = { v: "mcpfed/1", type: "settlement", id: newSettlementId(), payer: a.nodeId, payee: b.nodeId, unit: "EUR", amount: 300, method: "manual", reference: "transfer 42", paidAt: Date.now() - 500 };
  const entries = [
    { setOff, sigs: { debtor: await signSetOff(sa, setOff), creditor: await signSetOff(sb, setOff) }, preimage },
    { settlement: paid, sigs: { payer: await signSettlement(sa, paid), payee: await signSettlement(sb, paid) } },
  ];
  const restored = await json<{ results: { outcome: string }[] }>(await b.admin("POST", "/ledger/records", { records: entries }));
  expect(restored.results.map((r) => r.outcome)).toEqual(["stored", "stored"]);
}, 180_000);

/** A node's signer, from the seed in its data folder, as the node signs. */
async function signerIn(dir: string) {
  const k = await signingKeyFromSeed(await primitives(), parseSeed(readFileSync(join(dir, "node-seed"), "utf8").trim()));
  return { nodeId: k.nodeId, sign: (m: Uint8Array, c: string) => k.signer.sign(m, c) };
}

afterAll(async () => {
  await Promise.all([fromA?.close(), fromB?.close()]);
  await Promise.all([a, b, up].map((n) => n?.stop()));
});

/** What B's records add up to, per unit: computed here from the records, not by the node. */
async function expectedTotals() {
  const held = (await json<{ records: RecordView[] }>(await b.admin("GET", "/ledger/records?limit=1000&status=confirmed"))).records;
  const sums = new Map<string, { charges: number; credits: number; cleared: number; settled: number }>();
  const add = (unit: string, k: "charges" | "credits" | "cleared" | "settled", v: number) => {
    const s = sums.get(unit) ?? { charges: 0, credits: 0, cleared: 0, settled: 0 };
    s[k] += v;
    sums.set(unit, s);
  };
  for (const { role, record: r } of held) {
    // A set-off or settlement favours this node's side when it is the debtor or the payer.
    if ("setOff" in r) add(r.setOff.unit, "cleared", r.setOff.debtor === b.nodeId ? r.setOff.amount : -r.setOff.amount);
    else if ("settlement" in r) add(r.settlement.unit, "settled", r.settlement.payer === b.nodeId ? r.settlement.amount : -r.settlement.amount);
    else if (role === "provider") add(r.receipt.unit!, "charges", r.receipt.amount);
    else add(r.receipt.unit!, "credits", -r.receipt.amount);
  }
  return sums;
}

describe("billing details", () => {
  it("refuses control characters and bad taxes with a typed error, and keeps what was there", async () => {
    const good = { legalName: "Bravo Services GmbH", address: "Hauptstraße 1\n10115 Berlin", taxId: "DE123456789", contact: "billing@bravo.test", taxes: [{ name: "VAT", percent: "19" }] };
    expect((await b.admin("PUT", "/ledger/billing", good)).status).toBe(200);
    for (const bad of [
      { ...good, legalName: "Evil\u0007Corp" },
      { ...good, address: "line\r\nfeed" },
      { ...good, taxes: [{ name: "VAT", percent: "190" }] },
      { ...good, taxes: [{ name: "VAT", percent: "1e2" }] },
      { ...good, language: "fr" },
      { ...good, reportingCurrency: "€" },
      { ...good, surprise: true },
    ]) {
      const res = await b.admin("PUT", "/ledger/billing", bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
    expect((await json<{ details: unknown }>(await b.admin("GET", "/ledger/billing"))).details).toEqual({ ...good, invoicePrefix: "INV-", language: "en" });
    // Markup is text like any other: kept as written, escaped where it is shown.
    expect((await b.admin("PUT", `/ledger/billing/peers/${a.nodeId}`, { legalName: INJECTED, address: "1 <b>Alpha</b> Way" })).status).toBe(200);
    expect((await b.admin("PUT", "/ledger/billing/peers/nobody", { legalName: "x" })).status).toBe(404);
  });
});

describe("invoices", () => {
  let first: Invoice;

  it("refuses an unknown peer, a bad period and a period not begun, and uses no number for them", async () => {
    const cases: [string, string, number, string][] = [
      ["nobody", `${today()}..${today()}`, 404, "not_found"],
      [a.nodeId, today(), 400, "invalid_request"],
      [a.nodeId, "2026-13", 400, "invalid_request"],
      [a.nodeId, "2025-02-30..2025-03-01", 400, "invalid_request"],
      [a.nodeId, `${today()}..${yesterday()}`, 400, "invalid_request"],
      [a.nodeId, "2099-01", 400, "invalid_request"],
      [a.nodeId, "last month", 400, "invalid_request"],
    ];
    for (const [peer, period, status, code] of cases) {
      const res = await issue(period, peer);
      expect(res.status, period).toBe(status);
      expect(await res.json()).toMatchObject({ error: { code } });
    }
    expect(await invoicesOf(b)).toEqual([]);
  });

  it("issues number 1 with lines per tool and model, taxes and totals equal to the records", async () => {
    const res = await issue(`${today()}..${today()}`);
    expect(res.status).toBe(201);
    const body = await json<{ invoice: Invoice; issued: boolean }>(res);
    first = body.invoice;
    expect(body.issued).toBe(true);
    expect(first).toMatchObject({ number: 1, label: "INV-000001", seller: { node: b.nodeId, legalName: "Bravo Services GmbH", taxId: "DE123456789" }, buyer: { node: a.nodeId, name: "alpha", legalName: INJECTED } });
    const lines = first.lines.map((l) => ({ kind: l.kind, tool: l.tool, model: l.model, price: l.price, quantity: l.quantity, amount: l.amount, unit: l.unit }));
    expect(lines).toEqual([
      { kind: "charge", tool: `${b.nodeId}/everything/echo`, model: "per_call", price: 250, quantity: 3, amount: 750, unit: "EUR" },
      { kind: "charge", tool: `${b.nodeId}/everything/get-sum`, model: "per_call", price: 7, quantity: 2, amount: 14, unit: "credit" },
      { kind: "credit", tool: `${a.nodeId}/everything/echo`, model: "per_call", price: 40, quantity: 1, amount: -40, unit: "EUR" },
      { kind: "set-off", tool: undefined, model: "set-off", price: undefined, quantity: 1, amount: -100, unit: "EUR" },
      { kind: "settlement", tool: undefined, model: "settlement", price: undefined, quantity: 1, amount: -300, unit: "EUR" },
    ]);
    const expected = await expectedTotals();
    for (const t of first.totals) {
      const e = expected.get(t.unit)!;
      expect({ charges: t.charges, credits: t.credits, cleared: t.cleared, settled: t.settled }).toEqual(e);
      // 19 % of the charges, rounded half away from zero: 142.5 → 143, 2.66 → 3.
      const tax = Math.sign(e.charges) * Math.floor((Math.abs(e.charges) * 19) / 100 + 0.5);
      expect(t.taxes).toEqual([{ name: "VAT", percent: "19", amount: tax }]);
      expect(t.total).toBe(e.charges + tax + e.credits + e.cleared + e.settled);
    }
    // 7.50 € + 1.43 € VAT − 0.40 € bought − 1.00 € cleared − 3.00 € paid.
    expect(first.totals.map((t) => [t.unit, t.total])).toEqual([["EUR", 453], ["credit", 17]]);
  });

  it("answers the same invoice again for the same peer and period, by id or alias", async () => {
    for (const peer of [a.nodeId, "alpha"]) {
      const again = await issue(`${today()}..${today()}`, peer);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ invoice: first, issued: false });
    }
    expect(await invoicesOf(b)).toEqual([1]);
  });

  it("numbers in sequence and never reuses a number across a restart of the node's process", async () => {
    expect((await json<{ invoice: Invoice }>(await issue(month()))).invoice.number).toBe(2);
    await b.stop();
    b = await startB();
    // A refused request between them uses no number.
    expect((await issue("2099-01")).status).toBe(400);
    const third = (await json<{ invoice: Invoice }>(await issue(`${yesterday()}..${today()}`))).invoice;
    expect(third.number).toBe(3);
    expect(third.totals).toEqual(first.totals);
    expect(await invoicesOf(b)).toEqual([3, 2, 1]);
    // The same new invoice asked for four times at once: one is issued, the others get it, no number is spent on them.
    const raced = await Promise.all(Array.from({ length: 4 }, () => issue(`${yesterday()}..${yesterday()}`).then((r) => json<{ invoice: Invoice; issued: boolean }>(r))));
    expect(raced.map((r) => r.invoice.number)).toEqual([4, 4, 4, 4]);
    expect(raced.filter((r) => r.issued)).toHaveLength(1);
    expect((await json<{ invoice: Invoice }>(await issue(`${yesterday()}..${yesterday()}`, "alpha"))).invoice.number).toBe(4);
    expect((await json<{ invoice: Invoice }>(await issue(`${daysAgo(2)}..${today()}`))).invoice.number).toBe(5);
    expect(await invoicesOf(b)).toEqual([5, 4, 3, 2, 1]);
    // In pages of two: the cursor is the last number of a page; the last page names none.
    const pages: number[][] = [];
    for (let cursor: string | null = ""; cursor !== null; ) {
      const page: { invoices: { number: number }[]; next: string | null } = await json(await b.admin("GET", `/ledger/invoices?limit=2${cursor ? `&cursor=${cursor}` : ""}`));
      pages.push(page.invoices.map((i) => i.number));
      cursor = page.next;
    }
    expect(pages).toEqual([[5, 4], [3, 2], [1]]);
    expect((await b.admin("GET", "/ledger/invoices?cursor=abc")).status).toBe(400);
    // Issued invoices do not change: number 1 is what it was.
    expect(await json(await b.admin("GET", "/ledger/invoices/1"))).toEqual({ invoice: first });
    expect(await json(await issue(`${today()}..${today()}`))).toEqual({ invoice: first, issued: false });
  }, 60_000);

  it("renders HTML whose amounts, lines and totals agree with the JSON, and escapes every detail", async () => {
    const res = await b.admin("GET", "/ledger/invoices/1?format=html");
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en" dir="ltr">/);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>Alpha</b>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;");
    expect(htmlTotals(html)).toEqual(Object.fromEntries(first.totals.map((t) => [t.unit, t.total])));
    expect(htmlLineAmounts(html)).toEqual(first.lines.map((l) => l.amount));
    expect(html).toContain("€4.53");
    expect(html).toContain('data-number="1">INV-000001<');
  });

  it("localizes: German numbers, dates and words; Arabic right to left", async () => {
    const de = await (await b.admin("GET", "/ledger/invoices/1?format=html&lang=de")).text();
    expect(de).toMatch(/<html lang="de" dir="ltr">/);
    expect(de).toContain("Rechnung");
    expect(de).toContain("4,53\u00a0€");
    expect(de).toContain(new Intl.DateTimeFormat("de", { dateStyle: "long", timeZone: "UTC" }).format(first.issuedAt));
    const ar = await (await b.admin("GET", "/ledger/invoices/1?format=html&lang=ar")).text();
    expect(ar).toMatch(/<html lang="ar" dir="rtl">/);
    expect(ar).toContain("فاتورة");
    expect(htmlTotals(ar)).toEqual(htmlTotals(de));
    for (const q of ["format=xml", "lang=fr", "lang="]) {
      const bad = await b.admin("GET", `/ledger/invoices/1?${q}`);
      expect(bad.status, q).toBe(q === "lang=" ? 200 : 400);
    }
    expect((await b.admin("GET", "/ledger/invoices/99")).status).toBe(404);
    expect((await b.admin("GET", "/ledger/invoices/1x")).status).toBe(400);
  });

  it("makes a PDF that pdf-lib loads back, holding the totals and lines", async () => {
    const res = await b.admin("GET", "/ledger/invoices/1?format=pdf&lang=de");
    expect(res.headers.get("content-type")).toBe("application/pdf");
    const bytes = new Uint8Array(await res.arrayBuffer());
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(1);
    expect(doc.getTitle()).toBe("Rechnung INV-000001");
    expect(doc.getKeywords()).toBe("EUR=453 credit=17");
    // Node passes font files in: the text is glyph codes, read back through the fonts' ToUnicode maps.
    const text = (await shown(bytes)).map(inDrawingOrder).join("\n");
    expect(text).toContain("Rechnung INV-000001");
    expect(text).toContain(formatAmount(453, "EUR", "de", { display: "code" }));
    expect(text).toContain(formatAmount(750, "EUR", "de", { display: "code" }));
    expect(text).toContain("everything/get-sum");
    // The markup in A's details is text in a PDF: drawn as written, never interpreted.
    expect(text).toContain(INJECTED);
  });

  it("makes an Arabic PDF with the same totals, its words read back right to left", async () => {
    const res = await b.admin("GET", "/ledger/invoices/1?format=pdf&lang=ar");
    expect(res.headers.get("content-type")).toBe("application/pdf");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect((await PDFDocument.load(bytes)).getKeywords()).toBe("EUR=453 credit=17");
    const reading = (await shown(bytes)).map((r) => inReadingOrder(r).trim());
    expect(reading).toContain("فاتورة");
    expect(reading).toContain("الإجماليات");
  });
});

// The HTML invoice as a reader sees it: Debian's chromium through playwright-core (as the console's
// browser test), the page fetched from the admin API with its own headers (so its CSP applies).
describe("the invoice in a browser", () => {
  const SHOTS = join(ROOT, "test-artifacts/invoices");
  const WIDTH = 900;
  let browser: Browser;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function open(lang: "en" | "de" | "ar"): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: WIDTH, height: 1000 }, extraHTTPHeaders: { authorization: `Bearer ${b.adminToken}` } });
    const page = await context.newPage();
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    const res = await page.goto(`${b.url}/admin/ledger/invoices/1?format=html&lang=${lang}`);
    expect(res?.status()).toBe(200);
    return page;
  }

  /** The element is shown and lies wholly within the page's width (nothing clipped or scrolled off sideways). */
  async function expectShown(page: Page, selector: string, nth: number): Promise<void> {
    const el = page.locator(selector).nth(nth);
    expect(await el.isVisible(), `${selector} #${nth}`).toBe(true);
    const box = (await el.boundingBox())!;
    expect(box.width * box.height, `${selector} #${nth}`).toBeGreaterThan(0);
    expect(box.x, `${selector} #${nth}`).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, `${selector} #${nth}`).toBeLessThanOrEqual(WIDTH);
  }

  /** Whether, in the text node holding `text`, its part `first` is drawn left of its later part `second`. */
  function leftOf(page: Page, text: string, first: string, second: string): Promise<boolean> {
    return page.evaluate(
      ([text, first, second]) => {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const at = n.textContent!.indexOf(text);
          if (at < 0) continue;
          const x = (from: number, length: number) => {
            const r = document.createRange();
            r.setStart(n, from);
            r.setEnd(n, from + length);
            return r.getBoundingClientRect().left;
          };
          return x(at + text.indexOf(first), first.length) < x(at + text.lastIndexOf(second), second.length);
        }
        throw new Error(`no text ${text}`);
      },
      [text, first, second] as const,
    );
  }

  for (const lang of ["en", "de", "ar"] as const) {
    it(`shows every line and total, equal to the ledger's, with no serious accessibility finding (${lang})`, async () => {
      const page = await open(lang);
      const invoice = (await json<{ invoice: Invoice }>(await b.admin("GET", "/ledger/invoices/1"))).invoice;
      expect(await page.locator("html").getAttribute("lang")).toBe(lang);
      expect(await page.evaluate(() => getComputedStyle(document.body).direction)).toBe(lang === "ar" ? "rtl" : "ltr");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(WIDTH);
      expect(await accessibilityProblems(page)).toEqual([]);

      // Lines: one row each, in the invoice's order, its amount shown as formatted and carried exactly.
      const rows = await page.locator("tr[data-kind]").evaluateAll((trs) =>
        trs.map((tr) => {
          const amount = tr.querySelector("td.amount") as HTMLElement;
          return { kind: tr.getAttribute("data-kind"), unit: amount.dataset.unit, amount: Number(amount.dataset.amount), text: amount.textContent, tool: tr.querySelector("code")?.textContent ?? null };
        }),
      );
      expect(rows).toEqual(invoice.lines.map((l) => ({ kind: l.kind, unit: l.unit, amount: l.amount, text: formatAmount(l.amount, l.unit, lang), tool: l.tool ?? null })));
      for (let i = 0; i < rows.length; i++) await expectShown(page, "tr[data-kind] td.amount", i);

      // The lines add up, per unit and kind, to what B's confirmed records hold (summed here from the records).
      const ledger = await expectedTotals();
      const field = { charge: "charges", credit: "credits", "set-off": "cleared", settlement: "settled" } as const;
      const shown = new Map<string, Record<(typeof field)[keyof typeof field], number>>();
      for (const r of rows) {
        const s = shown.get(r.unit!) ?? { charges: 0, credits: 0, cleared: 0, settled: 0 };
        s[field[r.kind as keyof typeof field]] = s[field[r.kind as keyof typeof field]] + r.amount;
        shown.set(r.unit!, s);
      }
      expect(shown).toEqual(ledger);

      // Totals: a table per unit; its charges, credits, set-offs and settlements equal the ledger's,
      // and its bold total is their sum with the taxes, shown as formatted.
      const totals = await page.locator("table.totals").evaluateAll((tables) =>
        tables.map((t) => ({
          unit: t.getAttribute("data-unit")!,
          cells: [...t.querySelectorAll("td.num")].map((td) => Number((td as HTMLElement).dataset.amount)),
          total: Number((t.querySelector("td.total") as HTMLElement).dataset.amount),
          text: t.querySelector("td.total")!.textContent,
        })),
      );
      expect(totals.map((t) => t.unit)).toEqual([...ledger.keys()].sort());
      for (const [i, t] of totals.entries()) {
        const e = ledger.get(t.unit)!;
        const taxes = invoice.totals.find((x) => x.unit === t.unit)!.taxes.map((x) => x.amount);
        const sum = e.charges + e.credits + e.cleared + e.settled + taxes.reduce((s, v) => s + v, 0);
        expect(t.total).toBe(sum);
        expect(t.text).toBe(formatAmount(sum, t.unit, lang));
        expect(t.cells).toEqual([e.charges, ...taxes, e.credits, ...(e.cleared ? [e.cleared] : []), ...(e.settled ? [e.settled] : []), sum]);
        await expectShown(page, "table.totals td.total", i);
      }

      // Right to left: the seller (first in the page) stands right of the buyer; amounts keep to the end of their cells.
      const [seller, buyer] = await Promise.all([0, 1].map(async (n) => (await page.locator("section.party").nth(n).boundingBox())!));
      if (lang === "ar") expect(seller!.x).toBeGreaterThan(buyer!.x);
      else expect(seller!.x).toBeLessThan(buyer!.x);
      expect(await page.locator("td.total").first().evaluate((td) => getComputedStyle(td).textAlign)).toBe("end");
      // The parties' own words keep their left-to-right order in every language: the street before its number,
      // the markup-like name's "<" first, the URL inside its parentheses.
      expect(await leftOf(page, "Hauptstraße 1", "Hauptstraße", "1")).toBe(true);
      expect(await leftOf(page, "10115 Berlin", "10115", "Berlin")).toBe(true);
      expect(await leftOf(page, INJECTED, "<script>", "'Co'")).toBe(true);
      expect(await leftOf(page, `(${a.url})`, "(", ")")).toBe(true);

      await page.screenshot({ path: join(SHOTS, `invoice-${lang}.png`), fullPage: true });
      // The printed page: the same lines and totals in print media.
      await page.emulateMedia({ media: "print" });
      expect(await page.locator("table.totals td.total").first().isVisible()).toBe(true);
      await page.context().close();
      expect(cspViolations).toEqual([]);
    }, 60_000);
  }
});

describe("the CLI", () => {
  const env = () => ({ MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });

  it("issues or fetches an invoice and writes each format; refuses what it cannot do", async () => {
    const dir = tempDir();
    const pdf = join(dir, "i.pdf");
    const run = await cli(["ledger", "invoice", "alpha", "--period", `${today()}..${today()}`, "--format", "pdf", "--out", pdf], env());
    expect(run.stderr).toContain("already issued: invoice INV-000001");
    expect(run.code).toBe(0);
    expect((await PDFDocument.load(readFileSync(pdf))).getKeywords()).toBe("EUR=453 credit=17");
    const asJson = await cli(["ledger", "invoices", "--number", "1"], env());
    expect(JSON.parse(asJson.stdout)).toEqual(await json(await b.admin("GET", "/ledger/invoices/1")));
    expect((await cli(["ledger", "invoice", "alpha", "--period", "2026-1"], env())).code).toBe(1);
    expect((await cli(["ledger", "invoice", "alpha", "--period", month(), "--format", "pdf"], env())).code).toBe(2);
    expect((await cli(["ledger", "invoice", "alpha", "--period", month(), "--format", "docx"], env())).code).toBe(2);
  }, 60_000);
});

describe("reports", () => {
  let invoiceOne: Invoice;
  beforeAll(async () => {
    invoiceOne = (await json<{ invoice: Invoice }>(await b.admin("GET", "/ledger/invoices/1"))).invoice;
  });

  it("sets, lists and removes conversion rates, and refuses bad ones", async () => {
    for (const bad of [
      { from: "EUR", to: "USD", rate: "abc", date: today(), source: "x" },
      { from: "EUR", to: "USD", rate: "0", date: today(), source: "x" },
      { from: "EU R", to: "USD", rate: "1", date: today(), source: "x" },
      { from: "EUR", to: "EUR", rate: "1", date: today(), source: "x" },
      { from: "EUR", to: "USD", rate: "1.1", date: "2026-02-30", source: "x" },
      { from: "EUR", to: "USD", rate: "1.1", date: today(), source: "a\nb" },
    ]) expect((await b.admin("PUT", "/ledger/rates", bad)).status, JSON.stringify(bad)).toBe(400);
    const rate = { from: "EUR", to: "USD", rate: "1.0842", date: today(), source: "a reference rate" };
    expect((await b.admin("PUT", "/ledger/rates", rate)).status).toBe(200);
    expect((await b.admin("PUT", "/ledger/rates", { ...rate, date: "2020-01-01", rate: "2" })).status).toBe(200);
    expect((await json<{ rates: unknown[] }>(await b.admin("GET", "/ledger/rates?from=EUR"))).rates).toEqual([rate, { ...rate, date: "2020-01-01", rate: "2" }]);
    expect((await b.admin("DELETE", "/ledger/rates/EUR/USD/2020-01-01")).status).toBe(204);
    expect((await b.admin("DELETE", "/ledger/rates/EUR/USD/2020-01-01")).status).toBe(404);
    const listed = await cli(["ledger", "rate", "list", "--json"], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });
    expect(JSON.parse(listed.stdout)).toEqual({ rates: [rate] });
  });

  it("reports the day's balances per peer and unit, with the reporting currency where a rate exists; JSON and CSV agree", async () => {
    const q = `from=${today()}&to=${today()}&every=day&currency=USD`;
    const body = await json<{ rows: ReportRow[] }>(await b.admin("GET", `/ledger/report?${q}`));
    const eur = body.rows.find((r) => r.unit === "EUR")!;
    const credit = body.rows.find((r) => r.unit === "credit")!;
    const totals = Object.fromEntries(invoiceOne.totals.map((t) => [t.unit, t]));
    expect(eur).toMatchObject({ start: today(), peer: a.nodeId, earned: totals.EUR!.charges, spent: -totals.EUR!.credits, cleared: totals.EUR!.cleared, settled: totals.EUR!.settled });
    // 7.50 − 0.40 − 1.00 − 3.00: 3.10 € owed; 4.10 € before the set-off, of which 1.00 € cleared.
    expect(eur).toMatchObject({ net: 310, gross: 410, savings: 0.2439 });
    // 3.10 EUR at 1.0842 = 3.36102 USD → 336 cents.
    expect(eur).toMatchObject({ reportingCurrency: "USD", netReporting: 336, rate: "1.0842", rateDate: today() });
    expect(credit).toMatchObject({ earned: 14, net: 14, reportingCurrency: null, netReporting: null });
    const csvRes = await b.admin("GET", `/ledger/report?${q}&format=csv`);
    expect(csvRes.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(parseCsv(await csvRes.text())).toEqual(body.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? "" : String(v)]))));
    const viaCli = await cli(["ledger", "report", "--from", today(), "--to", today(), "--currency", "USD", "--format", "csv"], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });
    expect(`${viaCli.stdout}`.replace(/\n$/, "")).toBe((await (await b.admin("GET", `/ledger/report?${q}&format=csv`)).text()).replace(/\r\n$/, ""));
    // A page of one row: the next page starts at the second (EUR, then credit), the totals are the whole period's on both,
    // and the CLI, following the cursor, prints the same CSV as one request for all.
    const one = await json<{ rows: ReportRow[]; totals: unknown[]; next: string }>(await b.admin("GET", `/ledger/report?${q}&limit=1`));
    expect(one.rows).toEqual([eur]);
    const two = await json<{ rows: ReportRow[]; totals: unknown[]; next: string | null }>(await b.admin("GET", `/ledger/report?${q}&limit=1&cursor=${one.next}`));
    expect(two).toMatchObject({ rows: [credit], next: null });
    expect(two.totals).toEqual(one.totals);
    expect(one.totals).toEqual(body.rows.map((r) => ({ peer: r.peer, unit: r.unit, earned: r.earned, spent: r.spent, cleared: r.cleared, settled: r.settled, net: r.net })));
    const csvPage = await b.admin("GET", `/ledger/report?${q}&format=csv&limit=1`);
    expect(csvPage.headers.get("mcpfed-next-cursor")).toBe(one.next);
    const paged = await cli(["ledger", "report", "--from", today(), "--to", today(), "--currency", "USD", "--format", "csv", "--limit", "1"], { MCPFED_URL: b.url, ADMIN_TOKEN: b.adminToken });
    expect(paged.stdout).toBe(viaCli.stdout);
    expect((await b.admin("GET", `/ledger/report?${q}&cursor=bm9wZQ`)).status).toBe(400);
  });

  it("refuses bad reports with a typed error", async () => {
    for (const q of ["every=year", "from=2026-02-30", "currency=%E2%82%AC", "format=xml", "peer=nobody", `from=${today()}&to=2000-01-01`, "from=2000-01-01&every=day"]) {
      const res = await b.admin("GET", `/ledger/report?${q}`);
      expect(res.status, q).toBe(q === "peer=nobody" ? 404 : 400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/^(invalid_request|not_found)$/);
    }
  });
});

/** Each totals table's bold total, by unit, from the data attributes the page carries. */
function htmlTotals(html: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of html.matchAll(/<table class="totals" data-unit="([^"]+)">.*?<\/table>/g)) {
    out[m[1]!] = Number(/class="num total" data-amount="(-?\d+)"/.exec(m[0])![1]);
  }
  return out;
}

function htmlLineAmounts(html: string): number[] {
  return [...html.matchAll(/<tr data-kind="[^"]+">.*?class="num amount" data-amount="(-?\d+)"/g)].map((m) => Number(m[1]));
}

/** RFC 4180 CSV into objects by the header row (quotes doubled inside quoted fields). */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\r" && text[i + 1] === "\n") row.push(field), rows.push(row), (row = []), (field = ""), i++;
    else field += ch;
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i]!])));
}
