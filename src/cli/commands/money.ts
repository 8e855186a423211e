// Commands for money: conversion rates (reports only), billing details, invoices and balance
// reports. Each is a thin client of the admin API (src/http/admin/money.ts).
import { writeFileSync } from "node:fs";
import { seg } from "../framework/admin-api.ts";
import { show, type Command, type Context, type OptionValues } from "../framework/command.ts";
import { CliError, UsageError } from "../framework/errors.ts";
import { clip, table } from "../framework/format.ts";
import { str, whole } from "../framework/option-values.ts";

interface Rate {
  from: string;
  to: string;
  date: string;
  rate: string;
  source: string;
}

interface InvoiceSummary {
  number: number;
  peer: string;
  periodFrom: number;
  periodTo: number;
  issuedAt: number;
}

interface IssuedInvoice {
  number: number;
  label: string;
  period: { label: string };
  buyer: { node: string; name: string };
  totals: { unit: string; total: number }[];
}

/** Writes text or bytes to --out, or prints text. */
/** The header of a CSV report page naming the next page's cursor. */
const NEXT_CURSOR = "mcpfed-next-cursor";

function deliver(ctx: Context, body: string | Uint8Array, out: string | undefined, what: string): void {
  if (out === undefined) {
    if (typeof body !== "string") throw new UsageError("a PDF is written to a file: give --out FILE");
    ctx.out(body.replace(/\r?\n$/, ""));
    return;
  }
  try {
    writeFileSync(out, body);
  } catch (err) {
    throw new CliError(`cannot write ${out}: ${err instanceof Error ? err.message : String(err)}`);
  }
  ctx.warn(`wrote ${what} to ${out}`);
}

function format(o: OptionValues, allowed: readonly string[]): string {
  const f = str(o.format) ?? "json";
  if (!allowed.includes(f)) throw new UsageError(`--format is ${allowed.join(", ")}`);
  return f;
}

/** Fetches an issued invoice in a format and delivers it. */
async function render(ctx: Context, number: number, o: OptionValues): Promise<void> {
  const f = format(o, ["json", "html", "pdf"]);
  const q = new URLSearchParams({ format: f });
  if (o.lang !== undefined) q.set("lang", str(o.lang)!);
  const out = str(o.out);
  const path = `/ledger/invoices/${number}?${q}`;
  if (f === "pdf") deliver(ctx, await ctx.api.requestBytes("GET", path), out, "the PDF");
  else if (f === "html") deliver(ctx, await ctx.api.requestText("GET", path), out, "the HTML");
  else deliver(ctx, `${JSON.stringify(await ctx.api.request("GET", path), null, 2)}\n`, out, "the invoice");
}

const detailOptions = {
  "legal-name": { type: "string", value: "name", help: "the legal name on invoices" },
  address: { type: "string", value: "text", help: "the postal address; \\n separates lines" },
  "tax-id": { type: "string", value: "id", help: "the tax or VAT id" },
  contact: { type: "string", value: "text", help: "an e-mail address or phone number" },
  tax: { type: "string", multiple: true, value: "name:percent", help: "a tax charged on this node's charges, e.g. VAT:19 (repeat for more; --tax none for none)" },
} as const;

function taxes(v: unknown): { name: string; percent: string }[] | undefined {
  if (v === undefined) return undefined;
  const list = v as string[];
  if (list.length === 1 && list[0] === "none") return [];
  return list.map((t) => {
    const i = t.lastIndexOf(":");
    if (i < 1) throw new UsageError(`--tax is name:percent, e.g. VAT:19 (got ${t})`);
    return { name: t.slice(0, i), percent: t.slice(i + 1) };
  });
}

function details(o: OptionValues): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  if (o["legal-name"] !== undefined) d.legalName = str(o["legal-name"]);
  if (o.address !== undefined) d.address = str(o.address)!.replaceAll("\\n", "\n");
  if (o["tax-id"] !== undefined) d.taxId = str(o["tax-id"]);
  if (o.contact !== undefined) d.contact = str(o.contact);
  const t = taxes(o.tax);
  if (t !== undefined) d.taxes = t;
  return d;
}

export const moneyCommands: Command[] = [
  {
    name: "ledger rate set",
    usage: "<from> <to> <rate>",
    summary: "set a conversion rate for reports: <rate> major units of <to> per major unit of <from>",
    details: "Rates only add a reporting-currency column to reports: balances, invoices and clearing never convert. One rate per pair and day.",
    options: {
      date: { type: "string", value: "YYYY-MM-DD", help: "the day the rate is for (default: today, UTC)" },
      source: { type: "string", value: "text", help: "where the rate comes from, e.g. ECB reference rate (required)" },
    },
    min: 3,
    max: 3,
    run: async (ctx, [from, to, rate], o) => {
      if (o.source === undefined) throw new UsageError("give --source: where the rate comes from");
      const body = { from, to, rate, date: str(o.date) ?? new Date().toISOString().slice(0, 10), source: str(o.source) };
      const res = await ctx.api.request<{ rate: Rate }>("PUT", "/ledger/rates", body);
      show(ctx, res, (r) => `1 ${r.rate.from} = ${r.rate.rate} ${r.rate.to} on ${r.rate.date} (${r.rate.source})`);
    },
  },
  {
    name: "ledger rate list",
    summary: "list conversion rates, newest day first per pair",
    options: {
      from: { type: "string", value: "unit", help: "only rates from this unit" },
      to: { type: "string", value: "unit", help: "only rates to this unit" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const q = new URLSearchParams();
      if (o.from !== undefined) q.set("from", str(o.from)!);
      if (o.to !== undefined) q.set("to", str(o.to)!);
      const body = await ctx.api.request<{ rates: Rate[] }>("GET", `/ledger/rates${q.size ? `?${q}` : ""}`);
      show(ctx, body, (b) => table(["FROM", "TO", "DATE", "RATE", "SOURCE"], b.rates.map((r) => [r.from, r.to, r.date, r.rate, clip(r.source, 40)])));
    },
  },
  {
    name: "ledger rate remove",
    usage: "<from> <to> <date>",
    summary: "remove the conversion rate of one pair and day",
    min: 3,
    max: 3,
    run: async (ctx, [from, to, date]) => {
      await ctx.api.request("DELETE", `/ledger/rates/${seg(from!)}/${seg(to!)}/${seg(date!)}`);
      ctx.out(`removed the rate ${from} → ${to} of ${date}`);
    },
  },
  {
    name: "ledger billing show",
    usage: "[<peer>]",
    summary: "show this node's billing details, or those kept for a peer (and its card's)",
    min: 0,
    max: 1,
    run: async (ctx, [peer]) => {
      const body = await ctx.api.request<unknown>("GET", peer === undefined ? "/ledger/billing" : `/ledger/billing/peers/${seg(peer)}`);
      ctx.out(JSON.stringify(body, null, 2));
    },
  },
  {
    name: "ledger billing set",
    summary: "set this node's billing details: the seller on its invoices (replaces them whole)",
    options: {
      ...detailOptions,
      "invoice-prefix": { type: "string", value: "text", help: "printed before the invoice number (default INV-)" },
      language: { type: "string", value: "lang", help: "invoices' default language: en, de or ar" },
      "reporting-currency": { type: "string", value: "unit", help: "the unit reports add a converted column in" },
      note: { type: "string", value: "text", help: "printed under the totals (payment terms, bank details); \\n separates lines" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      if (o["legal-name"] === undefined) throw new UsageError("give --legal-name");
      const d = details(o);
      if (o["invoice-prefix"] !== undefined) d.invoicePrefix = str(o["invoice-prefix"]);
      if (o.language !== undefined) d.language = str(o.language);
      if (o["reporting-currency"] !== undefined) d.reportingCurrency = str(o["reporting-currency"]);
      if (o.note !== undefined) d.note = str(o.note)!.replaceAll("\\n", "\n");
      const body = await ctx.api.request<{ details: unknown }>("PUT", "/ledger/billing", d);
      show(ctx, body, (b) => JSON.stringify(b.details, null, 2));
    },
  },
  {
    name: "ledger billing peer",
    usage: "<peer>",
    summary: "set what this node's invoices say of a peer beside its card (legal name, address, tax id, taxes)",
    options: { ...detailOptions, remove: { type: "boolean", help: "forget the details kept for this peer" } },
    min: 1,
    max: 1,
    run: async (ctx, [peer], o) => {
      if (o.remove) {
        await ctx.api.request("DELETE", `/ledger/billing/peers/${seg(peer!)}`);
        ctx.out(`forgot the billing details of ${peer}`);
        return;
      }
      const body = await ctx.api.request<{ peer: string; details: unknown }>("PUT", `/ledger/billing/peers/${seg(peer!)}`, details(o));
      show(ctx, body, (b) => `${b.peer}: ${JSON.stringify(b.details)}`);
    },
  },
  {
    name: "ledger invoice",
    usage: "<peer>",
    summary: "issue the invoice of a peer for a period (or get the one issued before), as JSON, HTML or PDF",
    details:
      "The number is the next of this node's sequence; an invoice once issued never changes, and asking again for the same peer and period returns it. " +
      "Lines per tool and pricing model from confirmed records, set-offs and settlements, taxes on the charges, totals per currency. " +
      "PDF is written in en or de only (its standard fonts have no Arabic script): use --format html for ar.",
    options: {
      period: { type: "string", value: "YYYY-MM|YYYY-MM-DD..YYYY-MM-DD", help: "the month, or the days (both included), UTC" },
      format: { type: "string", value: "json|html|pdf", help: "what to write (default json)" },
      lang: { type: "string", value: "en|de|ar", help: "the language (default: the billing details')" },
      out: { type: "string", value: "file", help: "write to this file instead of printing (required for pdf)" },
    },
    min: 1,
    max: 1,
    run: async (ctx, [peer], o) => {
      if (o.period === undefined) throw new UsageError("give --period YYYY-MM or YYYY-MM-DD..YYYY-MM-DD");
      const f = format(o, ["json", "html", "pdf"]);
      if (f === "pdf" && o.out === undefined) throw new UsageError("a PDF is written to a file: give --out FILE");
      const { invoice, issued } = await ctx.api.request<{ invoice: IssuedInvoice; issued: boolean }>("POST", "/ledger/invoices", { peer, period: str(o.period) });
      ctx.warn(`${issued ? "issued" : "already issued:"} invoice ${invoice.label} to ${invoice.buyer.name} for ${invoice.period.label}`);
      await render(ctx, invoice.number, o);
    },
  },
  {
    name: "ledger invoices",
    summary: "list issued invoices, newest first; --number N writes one again",
    options: {
      peer: { type: "string", value: "id", help: "only this peer's (id or alias)" },
      limit: { type: "string", value: "n", help: "how many (1-1000, default 100)" },
      cursor: { type: "string", value: "n", help: "the page after the one that named this cursor" },
      number: { type: "string", value: "n", help: "write this invoice (with --format, --lang, --out) instead of listing" },
      format: { type: "string", value: "json|html|pdf", help: "with --number: what to write (default json)" },
      lang: { type: "string", value: "en|de|ar", help: "with --number: the language" },
      out: { type: "string", value: "file", help: "with --number: write to this file" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const n = whole(o.number, "number", 1, Number.MAX_SAFE_INTEGER);
      if (n !== undefined) return render(ctx, n, o);
      const q = new URLSearchParams();
      if (o.peer !== undefined) q.set("peer", str(o.peer)!);
      const limit = whole(o.limit, "limit", 1, 1000);
      if (limit !== undefined) q.set("limit", String(limit));
      const cursor = whole(o.cursor, "cursor", 1, Number.MAX_SAFE_INTEGER);
      if (cursor !== undefined) q.set("cursor", String(cursor));
      const body = await ctx.api.request<{ invoices: InvoiceSummary[]; next: string | null }>("GET", `/ledger/invoices${q.size ? `?${q}` : ""}`);
      if (body.next !== null && !ctx.json) ctx.warn(`more: mcpfed ledger invoices --cursor ${body.next}`);
      const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
      show(ctx, body, (b) =>
        table(
          ["NUMBER", "PEER", "FROM", "TO", "ISSUED"],
          b.invoices.map((i) => [String(i.number), clip(i.peer, 24), dayOf(i.periodFrom), dayOf(i.periodTo - 86_400_000), new Date(i.issuedAt).toISOString()]),
        ),
      );
    },
  },
  {
    name: "ledger report",
    summary: "balances over time per peer and unit, with cleared and settled amounts and what clearing saved",
    details: "Columns: start, end, peer, unit, earned, spent, cleared, settled, net, gross (owed before the bucket's set-offs), savings (cleared ÷ gross), and the reporting currency's column where a rate is set.",
    options: {
      peer: { type: "string", value: "id", help: "only this peer (id or alias)" },
      unit: { type: "string", value: "unit", help: "only this currency unit" },
      from: { type: "string", value: "YYYY-MM-DD", help: "first day (default: 30 days ago)" },
      to: { type: "string", value: "YYYY-MM-DD", help: "last day, included (default: now)" },
      every: { type: "string", value: "day|week|month", help: "bucket size (default day)" },
      currency: { type: "string", value: "unit", help: "the reporting currency (default: the billing details')" },
      format: { type: "string", value: "json|csv", help: "what to print (default: a table; json or csv)" },
      limit: { type: "string", value: "n", help: "rows asked for in one request (1-1000, default 500); every page is printed" },
      out: { type: "string", value: "file", help: "write to this file instead of printing" },
    },
    min: 0,
    max: 0,
    run: async (ctx, _args, o) => {
      const q = new URLSearchParams();
      for (const k of ["peer", "unit", "from", "to", "every", "currency"] as const) if (o[k] !== undefined) q.set(k, str(o[k])!);
      const limit = whole(o.limit, "limit", 1, 1000);
      if (limit !== undefined) q.set("limit", String(limit));
      const f = o.format === undefined ? "table" : format(o, ["json", "csv"]);
      // Every page, following the node's cursors: the pages joined are the whole report.
      if (f === "csv") {
        q.set("format", "csv");
        let csv = "";
        for (let cursor: string | null = ""; cursor !== null; ) {
          if (cursor) q.set("cursor", cursor);
          const page = await ctx.api.requestAnswer("GET", `/ledger/report?${q}`);
          csv += new TextDecoder().decode(page.bytes);
          cursor = page.headers.get(NEXT_CURSOR);
        }
        deliver(ctx, csv, str(o.out), "the CSV");
        return;
      }
      type Page = { rows: Record<string, string | number | null>[]; totals: unknown[]; next: string | null };
      let body = await ctx.api.request<Page>("GET", `/ledger/report${q.size ? `?${q}` : ""}`);
      for (let next = body.next; next !== null; ) {
        q.set("cursor", next);
        const page: Page = await ctx.api.request<Page>("GET", `/ledger/report?${q}`);
        body = { ...body, rows: [...body.rows, ...page.rows], next: null };
        next = page.next;
      }
      if (f === "json" || ctx.json) {
        deliver(ctx, `${JSON.stringify(body, null, 2)}\n`, str(o.out), `${body.rows.length} rows`);
        return;
      }
      const cols = ["start", "peer", "unit", "earned", "spent", "cleared", "settled", "net", "savings", "netReporting"];
      deliver(ctx, table(cols.map((c) => c.toUpperCase()), body.rows.map((r) => cols.map((c) => (c === "peer" ? clip(String(r[c]), 16) : String(r[c] ?? "-"))))), str(o.out), "the report");
    },
  },
];
