// Onion packets this node has processed as a hop, against replays (docs/protocol.md §14.5).
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per replay tag (derived from the hop's shared secret) until the packet's expiry. */
export const onionReplayTags = sqliteTable(
  "onion_replay_tags",
  {
    tag: text("tag").primaryKey(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("onion_replay_tags_expires_at").on(t.expiresAt)],
);

/**
 * Reply blocks this node made for its own anonymous calls (§14.6), one row each until expiry: the
 * secrets that open the answer, then the answer itself once a process of this node received it
 * (the call waiting for it may run in another), then `taken` with the answer cleared.
 */
export const onionSurbs = sqliteTable(
  "onion_surbs",
  {
    id: text("id").primaryKey(),
    /** base64url: each reply hop's shared secret, then the block's key. */
    secrets: text("secrets").notNull(),
    state: text("state", { enum: ["waiting", "answered", "taken"] }).notNull(),
    /** base64url of the exit's answer as opened (an OHTTP response sealed to this node, or the exit's error). */
    answer: text("answer"),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("onion_surbs_expires_at").on(t.expiresAt)],
);
