// Backups this node holds for peers (docs/protocol.md §19.2): each copy is a peer's sealed backup
// file, which this node cannot open, with the peer's signed deposit statement. At most
// BACKUP_HOLD_COPIES per depositor and BACKUP_HOLD_MAX_BYTES per depositor in all. The file is
// kept in the parts it came in (each at most 640 KiB), as D1 caps a row at 2 MB.
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const heldBackups = sqliteTable(
  "held_backups",
  {
    /** The peer whose backup it is (the envelope's authenticated sender). */
    depositor: text("depositor").notNull(),
    /** The depositor's sequence number, strictly increasing. */
    seq: integer("seq").notNull(),
    /** The whole file's size in bytes. */
    bytes: integer("bytes").notNull(),
    /** The depositor's signature over the statement, base64url. */
    signature: text("signature").notNull(),
    /** Seconds since the epoch when it was taken (its first part, while it is staged). */
    received: integer("received").notNull(),
    /** 0 while its parts arrive (at most one staged copy per depositor), 1 once the whole file verified. */
    complete: integer("complete").notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.depositor, t.seq] })],
);

/** A held copy's file, in the parts it was deposited in: base64url, in order of `offset`. */
export const heldBackupParts = sqliteTable(
  "held_backup_parts",
  {
    depositor: text("depositor").notNull(),
    seq: integer("seq").notNull(),
    /** The part's first byte in the file. */
    offset: integer("offset").notNull(),
    /** The part's size in bytes. */
    bytes: integer("bytes").notNull(),
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.depositor, t.seq, t.offset] })],
);
