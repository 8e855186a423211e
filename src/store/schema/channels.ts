// Peer channels (docs/protocol.md §5.6): the state a channel needs beyond the handshake, shared by
// every process or isolate of the node, so that any of them continues it.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/**
 * One row per channel this node opened (initiator) or accepted (responder). Only the secrets of
 * `epoch` are kept, sealed at rest; later epochs' are derived from them, earlier ones are gone.
 */
export const peerChannels = sqliteTable(
  "peer_channels",
  {
    /** The channel id, base64url of its 16 bytes. */
    cid: text("cid").primaryKey(),
    peer: text("peer").notNull(),
    role: text("role", { enum: ["initiator", "responder"] }).notNull(),
    /** The epoch whose secrets the row holds; only ever moves forward. */
    epoch: integer("epoch").notNull(),
    /** c[epoch] and s[epoch], each sealed with the storage key (src/secrets/sealed-box.ts). */
    requestSecret: text("request_secret").notNull(),
    answerSecret: text("answer_secret").notNull(),
    /** Unix seconds. */
    startsAt: integer("starts_at").notNull(),
    epochSeconds: integer("epoch_seconds").notNull(),
    expiresAt: integer("expires_at").notNull(),
    /** The signing key ids of this node and the peer when it was opened: another one ends it. */
    ownKid: text("own_kid").notNull(),
    peerKid: text("peer_kid").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("peer_channels_peer").on(t.peer, t.role), index("peer_channels_expires_at").on(t.expiresAt)],
);
