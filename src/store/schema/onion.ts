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
