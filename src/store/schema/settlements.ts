// Settlement (protocol §16): the payment processors this node may pay through, and the balances
// past which it pays a peer.
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/** A settlement adapter's configuration; `secret` is sealed with the node's storage key (src/store/sealed-fields.ts). */
export const settlementMethods = sqliteTable("settlement_methods", {
  /** The adapter: "stripe". The manual adapter needs no configuration. */
  method: text("method").primaryKey(),
  secret: text("secret").notNull(),
  /** The secret's last four characters, kept at set time so that listing opens no secret (null on rows set before). */
  secretLast4: text("secret_last4"),
  /** The adapter's other settings, JSON (for Stripe: customer, payment method, destination account). */
  settings: text("settings").notNull().default("{}"),
  updatedAt: integer("updated_at").notNull().default(now),
});

/** A payment threshold: when what this node owes `peer` in `unit` passes `amount`, the tick pays or alerts, once. */
export const ledgerThresholds = sqliteTable(
  "ledger_thresholds",
  {
    peer: text("peer").notNull(),
    unit: text("unit").notNull(),
    amount: integer("amount").notNull(),
    /** 0 after the tick acted on a crossing; 1 again once the debt is back at or under the threshold. */
    armed: integer("armed").notNull().default(1),
    /** What the last crossing did: the settlement's id, or the alert's reason. */
    lastAction: text("last_action"),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.peer, t.unit] })],
);
