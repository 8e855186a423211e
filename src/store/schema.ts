// The node's tables, as code. `npm run db:generate` turns changes here into migrations/.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Card } from "../card/schema.ts";
import type { RotationStatement } from "../identity/rotation.ts";

const now = sql`(unixepoch('subsec') * 1000)`;

/** An MCP server the operator registered. `headers` and `env` hold secrets and are never echoed back. */
export const upstreams = sqliteTable("upstreams", {
  name: text("name").primaryKey(),
  kind: text("kind", { enum: ["http", "stdio"] }).notNull(),
  url: text("url"),
  headers: text("headers", { mode: "json" }).$type<Record<string, string>>(),
  command: text("command"),
  args: text("args", { mode: "json" }).$type<string[]>(),
  env: text("env", { mode: "json" }).$type<Record<string, string>>(),
  /** null: the upstream's name is the prefix; "" means no prefix. */
  prefix: text("prefix"),
  status: text("status", { enum: ["new", "ok", "unavailable"] }).notNull().default("new"),
  lastError: text("last_error"),
  refreshedAt: integer("refreshed_at"),
  serverName: text("server_name"),
  serverVersion: text("server_version"),
  /** Hash of the last imported catalog, so an unchanged refresh writes nothing. */
  catalogHash: text("catalog_hash"),
  createdAt: integer("created_at").notNull().default(now),
});

/** The last known tool list of each upstream. */
export const tools = sqliteTable(
  "tools",
  {
    globalId: text("global_id").primaryKey(),
    upstream: text("upstream")
      .notNull()
      .references(() => upstreams.name, { onDelete: "cascade" }),
    name: text("name").notNull(),
    title: text("title"),
    description: text("description"),
    inputSchema: text("input_schema", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    outputSchema: text("output_schema", { mode: "json" }).$type<Record<string, unknown>>(),
    annotations: text("annotations", { mode: "json" }).$type<Record<string, unknown>>(),
    tags: text("tags", { mode: "json" }).notNull().$type<string[]>(),
    fingerprint: text("fingerprint").notNull(),
  },
  (t) => [index("tools_upstream").on(t.upstream)],
);

/**
 * The short MCP name of every tool ever seen, and the operator's choices for it. Rows outlive
 * the tool so that a tool that comes back keeps its name.
 */
export const toolSettings = sqliteTable("tool_settings", {
  globalId: text("global_id").primaryKey(),
  shortName: text("short_name").notNull().unique(),
  renamed: integer("renamed", { mode: "boolean" }).notNull().default(false),
  hidden: integer("hidden", { mode: "boolean" }).notNull().default(false),
  pinned: integer("pinned", { mode: "boolean" }).notNull().default(false),
});

export const resources = sqliteTable(
  "resources",
  {
    upstream: text("upstream")
      .notNull()
      .references(() => upstreams.name, { onDelete: "cascade" }),
    uri: text("uri").notNull(),
    /** The whole Resource object as the upstream listed it. */
    body: text("body", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.upstream, t.uri] }), index("resources_uri").on(t.uri)],
);

export const resourceTemplates = sqliteTable(
  "resource_templates",
  {
    upstream: text("upstream")
      .notNull()
      .references(() => upstreams.name, { onDelete: "cascade" }),
    uriTemplate: text("uri_template").notNull(),
    body: text("body", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.upstream, t.uriTemplate] })],
);

export const prompts = sqliteTable(
  "prompts",
  {
    upstream: text("upstream")
      .notNull()
      .references(() => upstreams.name, { onDelete: "cascade" }),
    name: text("name").notNull(),
    shortName: text("short_name").notNull().unique(),
    body: text("body", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.upstream, t.name] })],
);

/** Append-only: one row per tools/call, without arguments unless the operator opts in. */
export const invocations = sqliteTable(
  "invocations",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    caller: text("caller").notNull(),
    toolId: text("tool_id"),
    toolName: text("tool_name").notNull(),
    upstream: text("upstream"),
    durationMs: integer("duration_ms").notNull(),
    outcome: text("outcome", {
      enum: ["ok", "tool_error", "unknown_tool", "unavailable", "timeout", "cancelled", "upstream_error"],
    }).notNull(),
    error: text("error"),
    arguments: text("arguments", { mode: "json" }),
  },
  (t) => [index("invocations_at").on(t.at)],
);

/**
 * The node's encryption (X-Wing) keys, one per epoch of KEM_ROTATION_SECONDS. Only the current
 * and the previous epoch are kept (src/identity/kem-keyring.ts); `sealed_seed` is the key's
 * 32-byte seed under AES-256-GCM with a key derived from NODE_SEED.
 */
export const kemKeys = sqliteTable("kem_keys", {
  epoch: integer("epoch").primaryKey(),
  keyId: text("key_id").notNull(),
  publicKey: text("public_key").notNull(),
  sealedSeed: text("sealed_seed").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

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
  createdAt: integer("created_at").notNull().default(now),
  updatedAt: integer("updated_at").notNull().default(now),
  lastSeenAt: integer("last_seen_at"),
});

/**
 * This node's signing-key hand-overs, oldest first: the chain its card carries after a rotation.
 * Public data; only the statement that PREVIOUS_NODE_SEED signs needs a secret, once.
 */
export const signingRotations = sqliteTable("signing_rotations", {
  position: integer("position").primaryKey(),
  statement: text("statement", { mode: "json" }).notNull().$type<RotationStatement>(),
  /** The composite public key the statement hands over to, base64url. */
  nextKey: text("next_key").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

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
