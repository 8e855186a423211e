// Strong consistency's log on the blackboard (docs/protocol.md §17.8), compacted to one entry per
// key: each entry carries the key's whole value. At the key's home the row is the last committed
// entry with the acknowledgements that committed it; at another replica, the latest entry it
// stored and acknowledged.
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const blackboardStrongLog = sqliteTable(
  "blackboard_strong_log",
  {
    namespace: text("namespace").notNull(),
    key: text("key").notNull(),
    slot: integer("slot").notNull(),
    hlc: text("hlc").notNull(),
    /** The signed entry, as JSON. */
    entry: text("entry").notNull(),
    /** At the home: the signed acknowledgements (JSON array) of a majority. Null at other replicas. */
    acks: text("acks"),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.key] })],
);
