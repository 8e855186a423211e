// Which budget pays for a principal's relayed calls (protocol §17.9, "Charged calls"): one row per
// principal, set by the operator. A priced call of that principal is checked against the budget
// before it is sent and debited by its ledger record's amount after it.
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

export const budgetCharges = sqliteTable("budget_charges", {
  /** The principal id, as policy and the invocation log name it ("token:<id>", "client:<id>", …). */
  principal: text("principal").primaryKey(),
  owner: text("owner").notNull(),
  unit: text("unit", { enum: ["tokens", "credit", "calls"] }).notNull(),
  task: text("task").notNull(),
  at: integer("at").notNull().default(now),
});
