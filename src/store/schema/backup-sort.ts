// Rows of a backup being made (docs/protocol.md §19.1.4): each backed-up table copied here a page
// at a time, keyed so that SQLite's own order is the file's row order, then read back in pages
// while the file is written. A backup holds a page in memory, never a table.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const backupSort = sqliteTable(
  "backup_sort",
  {
    /** The backup's id: two backups made at once never mix their rows. */
    backup: text("backup").notNull(),
    tableName: text("table_name").notNull(),
    /** The row's canonical JSON, its code units shifted so that byte order is their order (`row-order.ts`). */
    key: text("key").notNull(),
    /** Tells apart rows of a table that are equal in every cell. */
    seq: integer("seq").notNull(),
    /** Seconds since the epoch: rows of a backup whose process died are dropped by a later one. */
    started: integer("started").notNull(),
  },
  (t) => [primaryKey({ columns: [t.backup, t.tableName, t.key, t.seq] }), index("backup_sort_started").on(t.started)],
);
