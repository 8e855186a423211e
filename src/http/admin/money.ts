// Money in the admin API: conversion rates (for reports only), billing details of this node and
// of its peers, invoices (issue, list, get, render as JSON, HTML or PDF) and balance reports.
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import type { Services } from "../../node/services.ts";
import { currencyUnit } from "../../protocol/ledger/pricing.ts";
import { ownBillingDetails, ownDetails, peerBillingDetails, peerDetails, peerNamed, removePeerBillingDetails, setOwnBillingDetails, setPeerBillingDetails } from "../../node/money/billing.ts";
import { conversionRates, rateInput, rateKey, removeConversionRate, setConversionRate } from "../../node/money/rates.ts";
import { InvoiceError, invoiceList, invoiceNumbered, issue } from "../../node/money/invoices.ts";
import { PeriodError, parsePeriod } from "../../node/money/period.ts";
import { invoiceHtml } from "../../node/money/invoice-html.ts";
import { invoicePdf, UnsupportedRendering } from "../../node/money/invoice-pdf.ts";
import { INVOICE_LANGUAGES } from "../../node/money/labels.ts";
import { report, ReportError, reportCsv } from "../../node/money/reports.ts";

const DAY_MS = 86_400_000;

const issueBody = z.object({ peer: z.string().min(1).max(128), period: z.string().min(1).max(40) }).strict();
const renderQuery = z.object({ format: z.enum(["json", "html", "pdf"]).default("json"), lang: z.enum(INVOICE_LANGUAGES).optional() });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD");
const reportQuery = z.object({
  peer: z.string().min(1).max(128).optional(),
  unit: currencyUnit.optional(),
  from: day.optional(),
  to: day.optional(),
  every: z.enum(["day", "week", "month"]).default("day"),
  currency: currencyUnit.optional(),
  format: z.enum(["json", "csv"]).default("json"),
  cursor: z.string().max(1024).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
/** The CSV answer's header naming the next page's cursor (the JSON answer's `next`). */
const NEXT_CURSOR = "mcpfed-next-cursor";

function issuesOf(e: z.ZodError) {
  return e.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

/** Query parameters, empty ones left out. */
function query(c: Context): Record<string, string> {
  return Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ""));
}

function dayMs(s: string): number | undefined {
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== s ? undefined : t;
}

export function moneyAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/ledger/rates", async (c) => {
    const q = z.object({ from: currencyUnit.optional(), to: currencyUnit.optional() }).safeParse(query(c));
    if (!q.success) return fail(c, "invalid_request", "from and to are currency units", issuesOf(q.error));
    return c.json({ rates: await conversionRates(s.db, q.data) });
  });

  app.put("/ledger/rates", async (c) => {
    const body = await readJson(c, rateInput);
    if (!body.ok) return body.res;
    await setConversionRate(s.db, body.value);
    return c.json({ rate: body.value });
  });

  app.delete("/ledger/rates/:from/:to/:date", async (c) => {
    const key = rateKey.safeParse({ from: c.req.param("from"), to: c.req.param("to"), date: c.req.param("date") });
    if (!key.success) return fail(c, "invalid_request", "a rate is named by from, to and its day (YYYY-MM-DD)", issuesOf(key.error));
    if (!(await removeConversionRate(s.db, key.data))) return fail(c, "not_found", "no such rate");
    return c.body(null, 204);
  });

  app.get("/ledger/billing", async (c) => c.json({ details: (await ownBillingDetails(s.db)) ?? null }));

  app.put("/ledger/billing", async (c) => {
    const body = await readJson(c, ownDetails);
    if (!body.ok) return body.res;
    await setOwnBillingDetails(s.db, body.value);
    return c.json({ details: body.value });
  });

  app.get("/ledger/billing/peers/:peer", async (c) => {
    const peer = await peerNamed(s.db, c.req.param("peer"));
    if (!peer) return fail(c, "not_found", "no such peer");
    return c.json({ peer: peer.nodeId, card: { name: peer.card.name, url: peer.card.url, contact: peer.card.contact ?? null }, details: (await peerBillingDetails(s.db, peer.nodeId)) ?? null });
  });

  app.put("/ledger/billing/peers/:peer", async (c) => {
    const peer = await peerNamed(s.db, c.req.param("peer"));
    if (!peer) return fail(c, "not_found", "no such peer");
    const body = await readJson(c, peerDetails);
    if (!body.ok) return body.res;
    await setPeerBillingDetails(s.db, peer.nodeId, body.value);
    return c.json({ peer: peer.nodeId, details: body.value });
  });

  app.delete("/ledger/billing/peers/:peer", async (c) => {
    const peer = await peerNamed(s.db, c.req.param("peer"));
    if (!peer || !(await removePeerBillingDetails(s.db, peer.nodeId))) return fail(c, "not_found", "no billing details for such a peer");
    return c.body(null, 204);
  });

  // Issues the peer's invoice for the period, or answers the one issued before (200 instead of 201).
  app.post("/ledger/invoices", async (c) => {
    const body = await readJson(c, issueBody);
    if (!body.ok) return body.res;
    let period;
    try {
      period = parsePeriod(body.value.period, Date.now());
    } catch (err) {
      if (err instanceof PeriodError) return fail(c, "invalid_request", err.message);
      throw err;
    }
    const peer = await peerNamed(s.db, body.value.peer);
    if (!peer) return fail(c, "not_found", "no such peer");
    try {
      const { invoice, issued } = await issue(s, peer, period, Date.now());
      return c.json({ invoice, issued }, issued ? 201 : 200);
    } catch (err) {
      if (err instanceof InvoiceError) return fail(c, "conflict", err.message);
      throw err;
    }
  });

  // A page of issued invoices, newest first: `next` is the cursor (a number) of the page after it.
  app.get("/ledger/invoices", async (c) => {
    const q = z
      .object({ peer: z.string().min(1).max(128).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.string().regex(/^[1-9][0-9]{0,15}$/).transform(Number).pipe(z.number().int().max(Number.MAX_SAFE_INTEGER)).optional() })
      .safeParse(query(c));
    if (!q.success) return fail(c, "invalid_request", "peer is a peer's id or alias; limit 1 to 1000; cursor a page's next", issuesOf(q.error));
    let peer: string | undefined;
    if (q.data.peer) {
      const found = await peerNamed(s.db, q.data.peer);
      if (!found) return fail(c, "not_found", "no such peer");
      peer = found.nodeId;
    }
    const page = await invoiceList(s.db, { ...(peer ? { peer } : {}), ...(q.data.cursor === undefined ? {} : { before: q.data.cursor }), limit: q.data.limit });
    return c.json({ invoices: page.invoices, next: page.next === null ? null : String(page.next) });
  });

  app.get("/ledger/invoices/:number", async (c) => {
    const number = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).safeParse(c.req.param("number"));
    if (!number.success || !/^[0-9]+$/.test(c.req.param("number"))) return fail(c, "invalid_request", "an invoice number is a whole number from 1");
    const q = renderQuery.safeParse(query(c));
    if (!q.success) return fail(c, "invalid_request", `format is json, html or pdf; lang one of ${INVOICE_LANGUAGES.join(", ")}`, issuesOf(q.error));
    const invoice = await invoiceNumbered(s.db, number.data);
    if (!invoice) return fail(c, "not_found", "no such invoice");
    const lang = q.data.lang ?? (invoice.language as (typeof INVOICE_LANGUAGES)[number]);
    const name = `invoice-${invoice.label.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    if (q.data.format === "html") return c.body(invoiceHtml(invoice, lang), 200, { "content-type": "text/html; charset=utf-8", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'" });
    if (q.data.format === "pdf") {
      try {
        const pdf = await invoicePdf(invoice, lang, await s.platform.pdfFonts?.());
        return c.body(pdf.slice().buffer, 200, { "content-type": "application/pdf", "content-disposition": `attachment; filename="${name}.pdf"` });
      } catch (err) {
        if (err instanceof UnsupportedRendering) return fail(c, "unsupported", err.message);
        throw err;
      }
    }
    return c.json({ invoice });
  });

  app.get("/ledger/report", async (c) => {
    const q = reportQuery.safeParse(query(c));
    if (!q.success) return fail(c, "invalid_request", "peer, unit, from and to (YYYY-MM-DD), every (day, week, month), currency, format (json, csv), limit 1 to 1000, cursor a page's next", issuesOf(q.error));
    const to = q.data.to === undefined ? Date.now() : dayMs(q.data.to);
    const from = q.data.from === undefined ? (to ?? 0) - 30 * DAY_MS : dayMs(q.data.from);
    if (to === undefined || from === undefined) return fail(c, "invalid_request", "no such day");
    if (from >= to + (q.data.to === undefined ? 0 : DAY_MS)) return fail(c, "invalid_request", "from is after to");
    let peer: string | undefined;
    if (q.data.peer) {
      const found = await peerNamed(s.db, q.data.peer);
      if (!found) return fail(c, "not_found", "no such peer");
      peer = found.nodeId;
    }
    const currency = q.data.currency ?? (await ownBillingDetails(s.db))?.reportingCurrency;
    try {
      const page = await report(s.db, {
        ...(peer ? { peer } : {}),
        ...(q.data.unit ? { unit: q.data.unit } : {}),
        ...(currency ? { currency } : {}),
        from,
        // A day named as `to` is included whole.
        to: q.data.to === undefined ? to : to + DAY_MS,
        every: q.data.every,
        ...(q.data.cursor === undefined ? {} : { cursor: q.data.cursor }),
        limit: q.data.limit,
      });
      if (q.data.format === "csv") {
        const headers: Record<string, string> = { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="ledger-report.csv"' };
        if (page.next) headers[NEXT_CURSOR] = page.next;
        return c.body(reportCsv(page.rows, q.data.cursor === undefined), 200, headers);
      }
      return c.json({ every: q.data.every, currency: currency ?? null, ...page });
    } catch (err) {
      if (err instanceof ReportError) return fail(c, "invalid_request", err.message);
      throw err;
    }
  });

  return app;
}
