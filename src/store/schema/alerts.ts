// Alerts: the operator's rules over the metrics and the node's state, the alerts they raised, and
// what the evaluation carries from one tick to the next (src/node/alerts/).
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/** One rule: what it watches (`kind`), its parameters (per kind, checked in src/node/alerts/rules.ts). */
export const alertRules = sqliteTable("alert_rules", {
  id: text("id").primaryKey(),
  kind: text("kind", { enum: ["error_rate", "peer_unreachable", "dispute", "audit_break", "definition_change"] }).notNull(),
  params: text("params", { mode: "json" }).notNull().$type<Record<string, number>>(),
  severity: text("severity", { enum: ["warning", "critical"] }).notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

/**
 * An alert a rule raised for one subject (a peer, a change, or "" for the node). While it is open
 * `openKey` holds `<rule>\n<subject>`, so one condition holds one open alert however many ticks
 * see it; resolving sets it to null. `deliveredState` is the state the webhook last took.
 */
export const alerts = sqliteTable(
  "alerts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    ruleId: text("rule_id").notNull(),
    kind: text("kind").notNull(),
    subject: text("subject").notNull(),
    severity: text("severity", { enum: ["warning", "critical"] }).notNull(),
    state: text("state", { enum: ["open", "resolved"] }).notNull(),
    summary: text("summary").notNull(),
    details: text("details", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    openKey: text("open_key").unique(),
    openedAt: integer("opened_at").notNull(),
    resolvedAt: integer("resolved_at"),
    acknowledgedAt: integer("acknowledged_at"),
    deliveredState: text("delivered_state", { enum: ["open", "resolved"] }),
    deliveryAttempts: integer("delivery_attempts").notNull().default(0),
  },
  (t) => [index("alerts_state").on(t.state, t.openedAt)],
);

/** What the evaluation carries between ticks, by name: the defaults' seeding, the audit chain's verified head. */
export const alertMarks = sqliteTable("alert_marks", {
  name: text("name").primaryKey(),
  value: text("value", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
});
