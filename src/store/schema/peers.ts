// Other nodes: the peers this node federates with, and cards learned through them.
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Card } from "../../protocol/card/schema.ts";
import { now } from "./defaults.ts";

/** Other nodes this node federates with, with the card each last presented. */
export const peers = sqliteTable("peers", {
  nodeId: text("node_id").primaryKey(),
  name: text("name").notNull(),
  url: text("url").notNull(),
  card: text("card", { mode: "json" }).notNull().$type<Card>(),
  /** What this node lets the peer do: pending until approved, active, or blocked. */
  state: text("state", { enum: ["pending", "active", "blocked"] }).notNull(),
  /** What the peer last told us about us. */
  theirState: text("their_state", { enum: ["unknown", "pending", "active"] }).notNull().default("unknown"),
  /** The negotiated protocol version and features. */
  version: text("version").notNull(),
  features: text("features", { mode: "json" }).notNull().$type<string[]>(),
  /** The signing key id this node last said hello with; another one means a hello is owed. */
  announcedKeyId: text("announced_key_id"),
  /** The operator's name for the peer's shared tools (their short names start with it); null: derived from its card. */
  alias: text("alias"),
  createdAt: integer("created_at").notNull().default(now),
  updatedAt: integer("updated_at").notNull().default(now),
  lastSeenAt: integer("last_seen_at"),
});

/**
 * Cards of nodes this node is not peered with, learned from a peer that relayed their registry
 * entries: the key that verifies those entries. A card proves its own id, so any peer may relay it.
 */
export const originCards = sqliteTable("origin_cards", {
  nodeId: text("node_id").primaryKey(),
  card: text("card", { mode: "json" }).notNull().$type<Card>(),
  /** The peer it came from. */
  learnedFrom: text("learned_from").notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});
