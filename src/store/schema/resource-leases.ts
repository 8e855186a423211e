import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Peers' leases on this node's shared resources (docs/protocol.md, "Resource subscriptions across
 * the hop"): while one runs, the resource's updates are sent to the peer. Checked when read; an
 * expired one is deleted then.
 */
export const resourceLeases = sqliteTable(
  "resource_leases",
  {
    peer: text("peer").notNull(),
    /** The shared resource's key. */
    key: text("key").notNull(),
    /** Its URI at its upstream. */
    uri: text("uri").notNull(),
    /** Milliseconds since the epoch. */
    until: integer("until").notNull(),
  },
  (t) => [primaryKey({ columns: [t.peer, t.key] }), index("resource_leases_uri").on(t.peer, t.uri)],
);
