// Rows of a backup being restored (docs/protocol.md §19.1), held apart from the live tables while
// the file streams in and is checked, then moved into them in one batch: a restore reads a chunk
// at a time on every runtime, and writes nothing live until the whole file has passed.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const restoreStaging = sqliteTable(
  "restore_staging",
  {
    /** Random per restore: two restores never mix their rows. */
    restore: text("restore").notNull(),
    /** The backed-up table the row goes to. */
    tableName: text("table_name").notNull(),
    /** The row's place in its table, as the file held it. */
    seq: integer("seq").notNull(),
    /** The row as a canonical JSON array of its cells, in the table's column order. */
    row: text("row").notNull(),
    /** Seconds since the epoch: rows of a restore whose process died are dropped by a later one. */
    started: integer("started").notNull(),
  },
  (t) => [primaryKey({ columns: [t.restore, t.tableName, t.seq] }), index("restore_staging_started").on(t.started)],
);
