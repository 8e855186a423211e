// Domain verification (protocol §7.1.2): whether a node's card URL host serves that node's card.
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per peer: the last check of the host its card names. Rows of nodes no longer peers are pruned on the tick. */
export const nodeDomains = sqliteTable("node_domains", {
  nodeId: text("node_id").primaryKey(),
  /** The host (and port, when not the scheme's default) of the node's card URL when checked. */
  host: text("host").notNull(),
  verified: integer("verified", { mode: "boolean" }).notNull(),
  /** Why not, when not verified: for the operator. */
  reason: text("reason"),
  /** Unix seconds. */
  checkedAt: integer("checked_at").notNull(),
});
