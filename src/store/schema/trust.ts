// Trust between strangers (issue 14): the evidence this node saw itself, as decayed accumulators,
// and the scores it computed from them and from its peers' signed entries.
import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One decayed count per (peer, kind): `value` as of `at` (unix seconds); decay is applied on read,
 * so one event is one update. Rows exist only for nodes this node interacted with, and go when
 * their value has decayed to nothing.
 */
export const trustEvidence = sqliteTable(
  "trust_evidence",
  {
    peer: text("peer").notNull(),
    /** confirmed, disputed, succeeded, failed, refusals, up, down (src/node/trust/evidence.ts). */
    kind: text("kind").notNull(),
    value: real("value").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.peer, t.kind] })],
);

/** The scores of the last computation, with the tier each fell in; bounded by MAX_SCORED. */
export const trustScores = sqliteTable("trust_scores", {
  node: text("node").primaryKey(),
  score: real("score").notNull(),
  tier: text("tier").notNull(),
  /** In [0, 1]: how far this node's own evidence discredits it. */
  penalty: real("penalty").notNull(),
  /** Unix seconds. */
  computedAt: integer("computed_at").notNull(),
});

/** Named positions of the evidence collection, e.g. how far the ledger has been counted. */
export const trustCursors = sqliteTable("trust_cursors", {
  name: text("name").primaryKey(),
  /** Real: the ledger's updatedAt carries fractions of a millisecond. */
  value: real("value").notNull(),
});

/**
 * Scores for providers of tools with a tag, where vouches scoped to that tag lift a node above its
 * score (src/node/trust/scope-scores.ts): one row per scope and node, replaced on each scoped
 * computation; bounded by MAX_SCOPES × MAX_SCORED_PER_SCOPE.
 */
export const trustScopeScores = sqliteTable(
  "trust_scope_scores",
  {
    scope: text("scope").notNull(),
    node: text("node").notNull(),
    score: real("score").notNull(),
  },
  (t) => [primaryKey({ columns: [t.node, t.scope] })],
);
