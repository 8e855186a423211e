// The tick lease: which instance of this node runs the node-wide part of the tick. Several
// processes or isolates share one store (same NODE_SEED); each period's work is done once.
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per lease (only `tick` today). */
export const tickLeases = sqliteTable("tick_leases", {
  name: text("name").primaryKey(),
  /** The instance that holds it: random per process or isolate, for the operator and the logs. */
  holder: text("holder").notNull(),
  /** Incremented by every acquisition: the holder keeps the lease only while the row still bears its fence. */
  fence: integer("fence").notNull(),
  /** The last scheduled period claimed (unix ms / period length); an on-demand tick leaves it. */
  period: integer("period").notNull(),
  /** Unix ms; past it anyone may take the lease. */
  expiresAt: integer("expires_at").notNull(),
});
