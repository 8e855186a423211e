// The operator's provider groups: peers it trusts to stand in for each other.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/**
 * One row per member of a group. Nodes in one group may serve each other's calls for tools of
 * the same fingerprint; without a group (or a replicable entry) a peer's tool goes to that peer only.
 */
export const providerGroups = sqliteTable(
  "provider_groups",
  {
    name: text("name").notNull(),
    nodeId: text("node_id").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.name, t.nodeId] }), index("provider_groups_node").on(t.nodeId)],
);
