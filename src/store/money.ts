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

/** Issued invoices, newest number first, without their documents. */
export async function listInvoices(db: Database, filter: { peer?: string; limit: number }): Promise<Omit<InvoiceRow, "document">[]> {
  const i = invoices;
  return db
    .select({ number: i.number, peer: i.peer, periodFrom: i.periodFrom, periodTo: i.periodTo, issuedAt: i.issuedAt })
    .from(i)
    .where(filter.peer ? eq(i.peer, filter.peer) : undefined)
    .orderBy(desc(i.number))
    .limit(filter.limit);
}

const t = ledgerRecords;

export type MovementKind = (typeof t.$inferSelect)["kind"];

/** One confirmed, priced ledger row, as invoices and reports read it. */
export interface Movement {
  peer: string;
  role: "consumer" | "provider";
  kind: MovementKind;
  unit: string;
  amount: number;
  completedAt: number;
  /** The canonical record text (invoices read the tool and the quote from it). */
  record: string;
}

/** Confirmed rows with a unit, completed in [from, to), optionally of one peer and one unit, oldest first. */
export async function movements(db: Database, f: { peer?: string; unit?: string; from?: number; to: number }): Promise<Movement[]> {
  const rows = await db
    .select({ peer: t.peer, role: t.role, kind: t.kind, unit: sql<string>`${t.unit}`, amount: t.amount, completedAt: t.completedAt, record: t.record })
    .from(t)
    .where(
      and(
        eq(t.status, "confirmed"),
        sql`${t.unit} IS NOT NULL`,
        f.peer ? eq(t.peer, f.peer) : undefined,
        f.unit ? eq(t.unit, f.unit) : undefined,
        f.from === undefined ? undefined : gte(t.completedAt, f.from),
        lt(t.completedAt, f.to),
      ),
    )
    .orderBy(asc(t.completedAt), asc(t.id));
  return rows;
}

/** Sums of confirmed rows completed before `before`, per peer, unit, role and kind: the opening balances of a report. */
export async function sumsBefore(db: Database, f: { peer?: string; unit?: string; before: number }): Promise<Omit<Movement, "completedAt" | "record">[]> {
  const rows = await db
    .select({ peer: t.peer, role: t.role, kind: t.kind, unit: sql<string>`${t.unit}`, amount: sql<number>`sum(${t.amount})` })
    .from(t)
    .where(and(eq(t.status, "confirmed"), sql`${t.unit} IS NOT NULL`, f.peer ? eq(t.peer, f.peer) : undefined, f.unit ? eq(t.unit, f.unit) : undefined, lt(t.completedAt, f.before)))
    .groupBy(t.peer, t.unit, t.role, t.kind);
  return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
}
