// Backups the tick made (docs/protocol.md §19.1), kept in the store so that every runtime keeps
// them the same way; a file is split into parts, as D1 caps a row's size.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per part of a kept backup file: base64url, in order of `part`. */
export const backupArchive = sqliteTable(
  "backup_archive",
  {
    /** The file's header id. */
    id: text("id").notNull(),
    part: integer("part").notNull(),
    /** Seconds since the epoch, the header's `created`; the same on every part. */
    created: integer("created").notNull(),
    /** The whole file's size in bytes; the same on every part. */
    bytes: integer("bytes").notNull(),
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.id, t.part] }), index("backup_archive_created").on(t.created)],
);
