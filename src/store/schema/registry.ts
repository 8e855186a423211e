// The federated registry this node holds, its log and the gossip cursors per peer.
import { sql } from "drizzle-orm";
import { customType, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
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

/** Bytes as a BLOB; drivers hand them back as ArrayBuffer, Uint8Array or (D1) an array of numbers. */
const bytes = customType<{ data: Uint8Array; driverData: ArrayBuffer | Uint8Array | number[] }>({
  dataType: () => "blob",
  fromDriver: (v) => (v instanceof Uint8Array ? v : Array.isArray(v) ? Uint8Array.from(v) : new Uint8Array(v)),
});

/**
 * Compact directory entries (protocol §20.7), one row per origin: the entry's fields as bytes, from
 * which its canonical form is rebuilt byte for byte (src/store/directory-rows.ts). Every public
 * node's entry is held once the index is on, so at 10^5 nodes the registry's row (canonical text,
 * hex id, three indexes) would cost four times these. Part of the registry and its log: `seq` is
 * drawn from the same sequence as registry_entries'. An entry that cannot be rebuilt this way stays
 * in registry_entries.
 */
export const directoryEntries = sqliteTable(
  "directory_entries",
  {
    seq: integer("seq").primaryKey(),
    /** SHA-256 of the canonical entry. */
    id: bytes("id").notNull(),
    /** The node id's 20 bytes (base32 in the entry). */
    origin: bytes("origin").notNull(),
    /** The HLC's 8 bytes: byte order is time order. */
    hlc: bytes("hlc").notNull(),
    /** The URL, without its scheme when that is `https://` (directory-rows.ts). */
    url: text("url").notNull(),
    /** JSON array, when the node is behind mailboxes. */
    mailboxes: text("mailboxes"),
    keys: bytes("keys").notNull(),
    ed25519: bytes("ed25519").notNull(),
    exp: integer("exp").notNull(),
    sig: bytes("sig").notNull(),
    /** The peer it came from (directory_sources), null for this node's own. */
    source: integer("source"),
  },
  // Both indexes hold a 2-byte head, not the whole value (about 13 bytes a row each instead of 30):
  // a lookup narrows by the head and compares the whole column. One row per origin is kept by the
  // insert's own check (directory-store.ts), not by a unique index.
  (t) => [index("directory_entries_origin").on(sql`substr(${t.origin}, 1, 2)`), index("directory_entries_id").on(sql`substr(${t.id}, 1, 2)`)],
);

/** The peers directory entries came from, by a small number: a row names its source in a byte or two. */
export const directorySources = sqliteTable("directory_sources", {
  n: integer("n").primaryKey(),
  peer: text("peer").notNull().unique(),
});
