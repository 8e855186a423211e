// Money on the node's database: conversion rates, billing details, issued invoices and their
// numbers, and the ledger rows invoices and reports are made from (read only: the ledger's rows
// are written by src/store/ledger.ts alone).
import { and, asc, desc, eq, gte, lt, lte, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { billingDetails, conversionRates, invoices, invoiceSequence, ledgerRecords } from "./schema/index.ts";

export interface ConversionRate {
  from: string;
  to: string;
  date: string;
  rate: string;
  source: string;
}

export async function setRate(db: Database, r: ConversionRate): Promise<void> {
  await db
    .insert(conversionRates)
    .values(r)
    .onConflictDoUpdate({ target: [conversionRates.from, conversionRates.to, conversionRates.date], set: { rate: r.rate, source: r.source, updatedAt: Date.now() } });
}

export async function listRates(db: Database, filter: { from?: string; to?: string } = {}): Promise<ConversionRate[]> {
  const c = conversionRates;
  return db
    .select({ from: c.from, to: c.to, date: c.date, rate: c.rate, source: c.source })
    .from(c)
    .where(and(filter.from ? eq(c.from, filter.from) : undefined, filter.to ? eq(c.to, filter.to) : undefined))
    .orderBy(asc(c.from), asc(c.to), desc(c.date));
}

export async function removeRate(db: Database, r: { from: string; to: string; date: string }): Promise<boolean> {
  const c = conversionRates;
  const gone = await db.delete(c).where(and(eq(c.from, r.from), eq(c.to, r.to), eq(c.date, r.date))).returning({ date: c.date });
  return gone.length > 0;
}

/** The latest rate from → to dated on or before `date` (YYYY-MM-DD). */
export async function rateOn(db: Database, from: string, to: string, date: string): Promise<ConversionRate | undefined> {
  const c = conversionRates;
  const [row] = await db
    .select({ from: c.from, to: c.to, date: c.date, rate: c.rate, source: c.source })
    .from(c)
    .where(and(eq(c.from, from), eq(c.to, to), lte(c.date, date)))
    .orderBy(desc(c.date))
    .limit(1);
  return row;
}

/** A party's billing details as stored (JSON text), or undefined. */
export async function billingDetailsOf(db: Database, party: string): Promise<string | undefined> {
  const [row] = await db.select({ details: billingDetails.details }).from(billingDetails).where(eq(billingDetails.party, party));
  return row?.details;
}

export async function setBillingDetails(db: Database, party: string, details: string): Promise<void> {
  await db.insert(billingDetails).values({ party, details }).onConflictDoUpdate({ target: billingDetails.party, set: { details, updatedAt: Date.now() } });
}

export async function removeBillingDetails(db: Database, party: string): Promise<boolean> {
  return (await db.delete(billingDetails).where(eq(billingDetails.party, party)).returning({ party: billingDetails.party })).length > 0;
}

export interface InvoiceRow {
  number: number;
  peer: string;
  periodFrom: number;
  periodTo: number;
  issuedAt: number;
  document: string;
}

const SEQUENCE_ROW = 1;

/**
 * Stores an invoice under the next number, in one atomic batch with the sequence's step: either
 * both happen or neither. A second invoice of the same peer and period fails the batch (unique
 * index) and uses no number; the stored one is returned instead.
 */
export async function issueInvoice(db: Database, row: Omit<InvoiceRow, "number">): Promise<{ row: InvoiceRow; issued: boolean }> {
  const held = await invoiceFor(db, row.peer, row.periodFrom, row.periodTo);
  if (held) return { row: held, issued: false };
  try {
    const [, inserted] = await db.batch([
      db
        .insert(invoiceSequence)
        .values({ id: SEQUENCE_ROW, next: 2 })
        .onConflictDoUpdate({ target: invoiceSequence.id, set: { next: sql`${invoiceSequence.next} + 1` } }),
      db
        .insert(invoices)
        .values({ ...row, number: sql`(SELECT ${invoiceSequence.next} - 1 FROM ${invoiceSequence} WHERE ${invoiceSequence.id} = ${SEQUENCE_ROW})` })
        .returning(),
    ]);
    return { row: inserted[0]!, issued: true };
  } catch (err) {
    // Another process issued this one between the read and the batch.
    const raced = await invoiceFor(db, row.peer, row.periodFrom, row.periodTo);
    if (raced) return { row: raced, issued: false };
    throw err;
  }
}

export async function invoiceFor(db: Database, peer: string, periodFrom: number, periodTo: number): Promise<InvoiceRow | undefined> {
  const [row] = await db.select().from(invoices).where(and(eq(invoices.peer, peer), eq(invoices.periodFrom, periodFrom), eq(invoices.periodTo, periodTo)));
  return row;
}

export async function invoiceByNumber(db: Database, number: number): Promise<InvoiceRow | undefined> {
  const [row] = await db.select().from(invoices).where(eq(invoices.number, number));
  return row;
}

/** Issued invoices, newest number first, without their documents; `before` a number, for the next page. */
export async function listInvoices(db: Database, filter: { peer?: string; before?: number; limit: number }): Promise<Omit<InvoiceRow, "document">[]> {
  const i = invoices;
  return db
    .select({ number: i.number, peer: i.peer, periodFrom: i.periodFrom, periodTo: i.periodTo, issuedAt: i.issuedAt })
    .from(i)
    .where(and(filter.peer ? eq(i.peer, filter.peer) : undefined, filter.before === undefined ? undefined : lt(i.number, filter.before)))
    .orderBy(desc(i.number))
    .limit(filter.limit);
}

const t = ledgerRecords;

export type MovementKind = (typeof t.$inferSelect)["kind"];

/** Sums of confirmed, priced rows per peer, unit, role and kind. */
export interface Movement {
  peer: string;
  role: "consumer" | "provider";
  kind: MovementKind;
  unit: string;
  amount: number;
}

interface MovementFilter {
  peer?: string;
  unit?: string;
}

const priced = (f: MovementFilter) => and(eq(t.status, "confirmed"), sql`${t.unit} IS NOT NULL`, f.peer ? eq(t.peer, f.peer) : undefined, f.unit ? eq(t.unit, f.unit) : undefined);

/** One invoice line's figures, summed by the database: calls grouped by tool and quoted price, set-offs and settlements by side. */
export interface LineSum {
  kind: MovementKind;
  role: "consumer" | "provider";
  unit: string;
  /** A call's tool id and quote (intent.price: model, `per` for per_time, amount); null on set-offs and settlements. */
  tool: string | null;
  model: string | null;
  per: string | null;
  price: number | null;
  quantity: number;
  /** Billed units (a call's receipt.units; 1 for a set-off or settlement). */
  units: number;
  amount: number;
}

/** The invoice lines of a peer's confirmed, priced rows completed in [from, to): one grouped query, no row read. */
export async function lineSums(db: Database, f: { peer: string; from: number; to: number }): Promise<LineSum[]> {
  const tool = sql<string | null>`json_extract(${t.record}, '$.intent.tool.id')`;
  const model = sql<string | null>`json_extract(${t.record}, '$.intent.price.model')`;
  const per = sql<string | null>`json_extract(${t.record}, '$.intent.price.per')`;
  const price = sql<number | null>`json_extract(${t.record}, '$.intent.price.amount')`;
  const rows = await db
    .select({
      kind: t.kind,
      role: t.role,
      unit: sql<string>`${t.unit}`,
      tool,
      model,
      per,
      price,
      quantity: sql<number>`count(*)`,
      units: sql<number>`sum(CASE WHEN ${t.kind} = 'call' THEN json_extract(${t.record}, '$.receipt.units') ELSE 1 END)`,
      amount: sql<number>`sum(${t.amount})`,
    })
    .from(t)
    .where(and(priced(f), gte(t.completedAt, f.from), lt(t.completedAt, f.to)))
    .groupBy(t.kind, t.role, t.unit, tool, model, per, price);
  return rows.map((r) => ({ ...r, quantity: Number(r.quantity), units: Number(r.units), amount: Number(r.amount), price: r.price === null ? null : Number(r.price) }));
}

/** Sums of confirmed, priced rows completed in [from, before) (from the first row, without `from`), per peer, unit, role and kind. */
export async function sumsIn(db: Database, f: MovementFilter & { from?: number; before: number }): Promise<Movement[]> {
  const rows = await db
    .select({ peer: t.peer, role: t.role, kind: t.kind, unit: sql<string>`${t.unit}`, amount: sql<number>`sum(${t.amount})` })
    .from(t)
    .where(and(priced(f), f.from === undefined ? undefined : gte(t.completedAt, f.from), lt(t.completedAt, f.before)))
    .groupBy(t.peer, t.unit, t.role, t.kind);
  return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
}

/** Each peer and unit with a confirmed, priced row completed before `before`, and when its first was. */
export async function pairsBefore(db: Database, f: MovementFilter & { before: number }): Promise<{ peer: string; unit: string; first: number }[]> {
  const rows = await db
    .select({ peer: t.peer, unit: sql<string>`${t.unit}`, first: sql<number>`min(${t.completedAt})` })
    .from(t)
    .where(and(priced(f), lt(t.completedAt, f.before)))
    .groupBy(t.peer, t.unit);
  return rows.map((r) => ({ ...r, first: Number(r.first) }));
}

export type BucketSize = "day" | "week" | "month";

const DAY_MS = 86_400_000;

/** The UTC start (ms) of the bucket holding a row: days; weeks from Monday (1970-01-01 was a Thursday); calendar months. */
function bucketOf(size: BucketSize) {
  const dayMs = sql.raw(String(DAY_MS));
  const day = sql`(${t.completedAt} / ${dayMs})`;
  switch (size) {
    case "day":
      return sql<number>`${day} * ${dayMs}`;
    case "week":
      return sql<number>`(${day} - (${day} + 3) % 7) * ${dayMs}`;
    case "month":
      return sql<number>`CAST(strftime('%s', ${t.completedAt} / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000`;
  }
}

/** Sums of confirmed, priced rows completed in [from, to), per bucket, peer, unit, role and kind. */
export async function bucketSums(db: Database, f: MovementFilter & { from: number; to: number; every: BucketSize }): Promise<(Movement & { bucket: number })[]> {
  const bucket = bucketOf(f.every);
  const rows = await db
    .select({ bucket, peer: t.peer, role: t.role, kind: t.kind, unit: sql<string>`${t.unit}`, amount: sql<number>`sum(${t.amount})` })
    .from(t)
    .where(and(priced(f), gte(t.completedAt, f.from), lt(t.completedAt, f.to)))
    .groupBy(bucket, t.peer, t.unit, t.role, t.kind);
  return rows.map((r) => ({ ...r, bucket: Number(r.bucket), amount: Number(r.amount) }));
}
