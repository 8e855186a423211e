// Backups this node holds for peers (docs/protocol.md §19.2): each copy is a peer's sealed backup
// file, which this node cannot open, with the peer's signed deposit statement. At most
// BACKUP_HOLD_COPIES per depositor and BACKUP_HOLD_MAX_BYTES per depositor in all; one row fits
// D1's 2 MB row limit, as a deposit carries at most 640 KiB.
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const heldBackups = sqliteTable(
  "held_backups",
  {
    /** The peer whose backup it is (the envelope's authenticated sender). */
    depositor: text("depositor").notNull(),
    /** The depositor's sequence number, strictly increasing. */
    seq: integer("seq").notNull(),
    bytes: integer("bytes").notNull(),
    /** The file, base64url. */
    file: text("file").notNull(),
    /** The depositor's signature over the statement, base64url. */
    signature: text("signature").notNull(),
    /** Seconds since the epoch when it was taken. */
    received: integer("received").notNull(),
  },
  (t) => [primaryKey({ columns: [t.depositor, t.seq] })],
);
