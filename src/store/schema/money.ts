// Money (issue 16): conversion rates for reports, the parties' billing details, issued invoices.
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/**
 * Conversion rates the operator set, for reports only: balances and clearing never convert.
 * One rate per pair and day; `rate` is a decimal string (major units of `to` per major unit of `from`).
 */
export const conversionRates = sqliteTable(
  "conversion_rates",
  {
    from: text("from_unit").notNull(),
    to: text("to_unit").notNull(),
    /** The day the rate is for, YYYY-MM-DD (UTC). */
    date: text("date").notNull(),
    rate: text("rate").notNull(),
    source: text("source").notNull(),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.from, t.to, t.date] })],
);

/**
 * Billing details: this node's own (party "self") and the operator's for each peer (its node id).
 * `details` is JSON checked by src/node/money/billing.ts on the way in.
 */
export const billingDetails = sqliteTable("billing_details", {
  party: text("party").primaryKey(),
  details: text("details").notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});

/**
 * Issued invoices: immutable once stored. `number` is allocated from `invoice_sequence` in the same
 * batch as the insert, so a number is used once, and never again, across restarts and processes.
 */
export const invoices = sqliteTable(
  "invoices",
  {
    number: integer("number").primaryKey(),
    peer: text("peer").notNull(),
    /** The period, [periodFrom, periodTo) in ms. */
    periodFrom: integer("period_from").notNull(),
    periodTo: integer("period_to").notNull(),
    issuedAt: integer("issued_at").notNull(),
    /** The whole invoice as issued (JSON): renderings are made from it, never from the ledger again. */
    document: text("document").notNull(),
  },
  (t) => [uniqueIndex("invoices_peer_period").on(t.peer, t.periodFrom, t.periodTo), index("invoices_issued").on(t.issuedAt)],
);

/** One row: the next invoice number of this node. */
export const invoiceSequence = sqliteTable("invoice_sequence", {
  id: integer("id").primaryKey(),
  next: integer("next").notNull(),
});
