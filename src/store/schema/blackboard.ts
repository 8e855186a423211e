// The blackboard (protocol §17.5–17.7): the namespaces this node replicates, every verified delta it
// holds, and each key's value, the merge of its deltas. Deltas are the truth; values are derived
// and could be rebuilt from them.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/** One row per namespace this node knows: the newest descriptor its creator signed. */
export const blackboardNamespaces = sqliteTable("blackboard_namespaces", {
  /** `<creator node id>/<name>`. */
  namespace: text("namespace").primaryKey(),
  creator: text("creator").notNull(),
  /** The descriptor's HLC: a later one replaces it. */
  hlc: text("hlc").notNull(),
  /** JSON: the replicas' node ids, or "public". */
  replicas: text("replicas").notNull(),
  consistency: text("consistency", { enum: ["eventual", "session", "strong"] }).notNull(),
  /** The signed descriptor, canonical JSON, passed on unchanged with pushed deltas. */
  descriptor: text("descriptor").notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});

/** Every delta this node verified and stored; stored once, whoever sent it how often. */
export const blackboardDeltas = sqliteTable(
  "blackboard_deltas",
  {
    namespace: text("namespace").notNull(),
    /** Hex SHA-256 of `delta`: names it in reconciliation. */
    hash: text("hash").notNull(),
    key: text("key").notNull(),
    /** The writer's HLC, fixed-width hex: text order is time order. */
    hlc: text("hlc").notNull(),
    writer: text("writer").notNull(),
    /** The signed delta, canonical JSON. */
    delta: text("delta").notNull(),
    /** The peer it came from; null for this node's own writes. */
    source: text("source"),
    receivedAt: integer("received_at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.namespace, t.hash] }),
    index("blackboard_deltas_order").on(t.namespace, t.hlc, t.hash),
    index("blackboard_deltas_key_writer").on(t.namespace, t.key, t.writer, t.hlc),
    // Ends in the rowid, as every index does: a watcher's changes after a cursor, in arrival order.
    index("blackboard_deltas_arrival").on(t.namespace),
  ],
);

/** Each key's merged state: what reads answer, without replaying deltas. */
export const blackboardValues = sqliteTable(
  "blackboard_values",
  {
    namespace: text("namespace").notNull(),
    key: text("key").notNull(),
    /** The merged value, canonical JSON (src/protocol/blackboard/value.ts). */
    state: text("state").notNull(),
    /** Hex SHA-256 of `state`: equal on two replicas exactly when their states are. */
    stateHash: text("state_hash").notNull(),
    /** How many deltas changed it here: a local counter, not comparable across nodes. */
    version: integer("version").notNull(),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.key] })],
);
