// The federated registry this node holds, its log and the gossip cursors per peer.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/**
 * The federated registry this node holds: its own shared tools and its peers' (src/registry).
 * One row per slot (origin, kind, key, visibility): the entry that won it.
 */
export const registryEntries = sqliteTable(
  "registry_entries",
  {
    /** This replica's log position: every stored entry takes a new one; peers' cursors point here. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    /** Hex SHA-256 of `entry`. */
    id: text("id").notNull().unique(),
    origin: text("origin").notNull(),
    kind: text("kind").notNull(),
    key: text("key").notNull(),
    visibility: text("visibility", { enum: ["peers", "public"] }).notNull(),
    /** Fixed-width hex, so text order is time order. */
    hlc: text("hlc").notNull(),
    tombstone: integer("tombstone", { mode: "boolean" }).notNull(),
    /** The canonical signed entry, byte for byte as hashed, so relays pass it on unchanged. */
    entry: text("entry").notNull(),
    size: integer("size").notNull(),
    /** The peer it came from; null for this node's own entries. */
    source: text("source"),
    receivedAt: integer("received_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("registry_entries_slot").on(t.origin, t.kind, t.key, t.visibility),
    index("registry_entries_order").on(t.hlc, t.id),
    index("registry_entries_tombstones").on(t.hlc).where(sql`${t.tombstone} = 1`),
  ],
);

/** One row: the log's epoch (drawn when the database is new) and the highest seq ever given. */
export const registryLog = sqliteTable("registry_log", {
  id: integer("id").primaryKey(),
  epoch: text("epoch").notNull(),
  /** Kept apart from max(seq): collecting a tombstone must not move the head back. */
  head: integer("head").notNull(),
});

/** Per direct peer: how far it acknowledged our log, and how far we took its log. */
export const gossipCursors = sqliteTable("gossip_cursors", {
  peer: text("peer").primaryKey(),
  ackedSeq: integer("acked_seq"),
  ackedAt: integer("acked_at"),
  theirEpoch: text("their_epoch"),
  theirSeq: integer("their_seq"),
  theirAt: integer("their_at"),
});
