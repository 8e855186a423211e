// The bilateral ledger's records and the records it refused.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/**
 * The bilateral ledger (src/ledger): one row per relayed call, set-off or settlement this node took
 * part in, holding the canonical record both nodes keep byte for byte. Balances are sums over
 * confirmed rows.
 */
export const ledgerRecords = sqliteTable(
  "ledger_records",
  {
    /** The intent's id, the set-off's hash or the settlement's id (hex). */
    id: text("id").primaryKey(),
    /** What the record is: a call (intent, receipt, countersignature), a set-off or a settlement (§16). */
    kind: text("kind", { enum: ["call", "set-off", "settlement"] }).notNull().default("call"),
    /** The other node of the call. */
    peer: text("peer").notNull(),
    /** This node's side: a consumer owes the amount, a provider is owed it; a set-off's debtor and a settlement's payer are consumers. */
    role: text("role", { enum: ["consumer", "provider"] }).notNull(),
    status: text("status", { enum: ["pending", "confirmed", "disputed"] }).notNull(),
    reason: text("reason"),
    /** Hex SHA-256 of `record`: the item reconciliation compares. */
    hash: text("hash").notNull().unique(),
    completedAt: integer("completed_at").notNull(),
    /** Null for free calls. */
    unit: text("unit"),
    amount: integer("amount").notNull(),
    record: text("record").notNull(),
    updatedAt: integer("updated_at").notNull().default(now),
    /** Times the provider asked the consumer for this pending record and did not get it. */
    asks: integer("asks").notNull().default(0),
  },
  (t) => [index("ledger_records_peer").on(t.peer, t.completedAt, t.hash), index("ledger_records_status").on(t.status)],
);

/** Records refused or contradicted, kept as received for the operator: never merged, never counted. */
export const ledgerFlags = sqliteTable(
  "ledger_flags",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    /** The record id it claimed, when it had a readable one. */
    recordId: text("record_id"),
    /** The node it came from; null when this node's own code refused it. */
    source: text("source"),
    reason: text("reason").notNull(),
    received: text("received").notNull(),
    at: integer("at").notNull().default(now),
  },
  (t) => [index("ledger_flags_record").on(t.recordId)],
);
