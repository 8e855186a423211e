// Federation envelopes already accepted, against replays.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Envelope ids already accepted, per sender, until the envelope would have expired anyway. */
export const replayCache = sqliteTable(
  "replay_cache",
  {
    sender: text("sender").notNull(),
    jti: text("jti").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sender, t.jti] }), index("replay_cache_expires_at").on(t.expiresAt)],
);
