import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Index records (docs/protocol.md §20.1) this node holds as one of the nodes responsible for their
 * keys, and the ones it published itself (origin = this node), which tell the tick what to
 * republish. One row per key and origin: a newer `seq` replaces the row. Pruned past `expires`.
 */
export const indexRecords = sqliteTable(
  "index_records",
  {
    key: text("key").notNull(),
    origin: text("origin").notNull(),
    seq: integer("seq").notNull(),
    /** Unix seconds. */
    expires: integer("expires").notNull(),
    /** The signed record as received, canonical JSON. */
    record: text("record").notNull(),
    /** Hex SHA-256 of what the record says (without seq, exp, sig): an unchanged record is not republished before its time. */
    content: text("content").notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.origin] }), index("index_records_origin").on(t.origin), index("index_records_expires").on(t.expires)],
);

/**
 * Which responsible node holds which of this node's own records: the tick sends a record to each of
 * its key's current owners that lacks its `seq`, so a failed send is retried and a node that became
 * responsible as the directory grew is sent what it lacks. Rows of keys or owners no longer current go.
 */
export const indexDeliveries = sqliteTable(
  "index_deliveries",
  {
    key: text("key").notNull(),
    owner: text("owner").notNull(),
    seq: integer("seq").notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.owner] })],
);
