// Nodes held apart: short of a block, reversible, and this node's own decision (issue 14).
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/**
 * One row per node the operator or its warners' trust put in quarantine, or the operator let out
 * while warnings still stand against it. Warned rows come and go with the warnings, so the table
 * holds at most the operator's rows and one per node that trusted warners warned of.
 */
export const quarantines = sqliteTable("quarantines", {
  nodeId: text("node_id").primaryKey(),
  /** operator: the operator's decision, which warnings never change; warnings: counted warnings put it there. */
  source: text("source", { enum: ["operator", "warnings"] }).notNull(),
  /** released: the operator let the node out while warnings against it still add up. */
  status: text("status", { enum: ["quarantined", "released"] }).notNull(),
  reason: text("reason").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});
