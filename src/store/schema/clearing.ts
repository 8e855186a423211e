// Clearing rounds (docs/protocol.md §16): this node's view of each round it initiated, takes part
// in or coordinates, and what the coordinator gathers. Bounded: a node takes part in one open
// round per unit and holds at most a few open ones; closed rounds are pruned on the tick.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

export const clearingRounds = sqliteTable(
  "clearing_rounds",
  {
    /** The round id (hex). */
    id: text("id").primaryKey(),
    unit: text("unit").notNull(),
    /** The signed round descriptor, JCS. */
    descriptor: text("descriptor").notNull(),
    coordinator: text("coordinator").notNull(),
    submitBy: integer("submit_by").notNull(),
    commitBy: integer("commit_by").notNull(),
    /**
     * This node as a participant: invited → submitted → signed (or previewed, refused) → revealed
     * or lapsed; null when it only coordinates a round it is not invited to yet.
     */
    state: text("state", { enum: ["invited", "submitted", "signed", "previewed", "refused", "revealed", "lapsed"] }),
    /** This node as coordinator: collecting → proposed → revealed (or previewed, failed, lapsed); null otherwise. */
    coordination: text("coordination", { enum: ["collecting", "proposed", "revealing", "revealed", "previewed", "failed", "lapsed"] }),
    /** The proposal this node received (its own edges), JSON. */
    proposal: text("proposal"),
    /** Why this node refused the proposal, or why the round failed at the coordinator. */
    reason: text("reason"),
    /** Coordinator: the round's preimage, sealed at rest until it is revealed. */
    preimage: text("preimage"),
    /** Set-offs this node stored from the round. */
    stored: integer("stored").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("clearing_rounds_unit").on(t.unit, t.state), index("clearing_rounds_commit").on(t.commitBy)],
);

/** What the coordinator holds per participant: its signed submission, the proposal sent to it, and its signatures. */
export const clearingParts = sqliteTable(
  "clearing_parts",
  {
    roundId: text("round_id").notNull(),
    node: text("node").notNull(),
    kind: text("kind", { enum: ["submission", "proposal", "signatures"] }).notNull(),
    body: text("body").notNull(),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.node, t.kind] })],
);
