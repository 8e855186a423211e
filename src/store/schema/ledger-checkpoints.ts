// Ledger checkpoints (protocol §8.8): this node's own, and those its peers signed over the records
// the two share, with the leaf each covers. Bounded by the records: a received checkpoint is kept
// while a record needs it (a leaf points at it) or as the newest of its signer's chain, and at most
// a few that could not be matched are kept as claims.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

export const ledgerCheckpoints = sqliteTable(
  "ledger_checkpoints",
  {
    signer: text("signer").notNull(),
    /** The checkpoint's `peer`: the other party of every record it covers. */
    peer: text("peer").notNull(),
    seq: integer("seq").notNull(),
    /** Hex SHA-256 of `checkpoint`: the next one's `prev`. */
    hash: text("hash").notNull(),
    /** The signed checkpoint, JCS. */
    checkpoint: text("checkpoint").notNull(),
    /** The covered record ids in leaf order, JSON. */
    ids: text("ids").notNull(),
    /** own: signed here; covered: a peer's whose root this node rebuilt; missing, root_mismatch: a peer's claim. */
    status: text("status", { enum: ["own", "covered", "missing", "root_mismatch"] }).notNull(),
    /** For own checkpoints: the peer answered it. */
    delivered: integer("delivered", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.signer, t.peer, t.seq] }), index("ledger_checkpoints_status").on(t.status, t.delivered)],
);

/** Which checkpoint of each signer covers a record, and where: enough to give its inclusion path. */
export const ledgerCheckpointLeaves = sqliteTable(
  "ledger_checkpoint_leaves",
  {
    recordId: text("record_id").notNull(),
    signer: text("signer").notNull(),
    peer: text("peer").notNull(),
    seq: integer("seq").notNull(),
    leaf: integer("leaf").notNull(),
  },
  (t) => [primaryKey({ columns: [t.recordId, t.signer] }), index("ledger_checkpoint_leaves_checkpoint").on(t.signer, t.peer, t.seq)],
);
