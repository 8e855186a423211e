// The node's tables, as code. `npm run db:generate` turns changes here into migrations/.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
 * The federated registry this node holds: its own shared tools and its peers' (src/registry).
 * One row per slot (origin, kind, key, visibility): the entry that won it.
 */
export const registryEntries = sqliteTable(
  "registry_entries",
  {
    /** This replica's log position: every stored entry takes a new one; peers' cursors point here. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    /** Hex SHA-256 of `entry`. */
    id: text("id").notNull().unique(),
    origin: text("origin").notNull(),
    kind: text("kind").notNull(),
    key: text("key").notNull(),
    visibility: text("visibility", { enum: ["peers", "public"] }).notNull(),
    /** Fixed-width hex, so text order is time order. */
    hlc: text("hlc").notNull(),
    tombstone: integer("tombstone", { mode: "boolean" }).notNull(),
    /** The canonical signed entry, byte for byte as hashed, so relays pass it on unchanged. */
    entry: text("entry").notNull(),
    size: integer("size").notNull(),
    /** The peer it came from; null for this node's own entries. */
    source: text("source"),
    receivedAt: integer("received_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("registry_entries_slot").on(t.origin, t.kind, t.key, t.visibility),
    index("registry_entries_order").on(t.hlc, t.id),
    index("registry_entries_tombstones").on(t.hlc).where(sql`${t.tombstone} = 1`),
  ],
);

/** One row: the log's epoch (drawn when the database is new) and the highest seq ever given. */
export const registryLog = sqliteTable("registry_log", {
  id: integer("id").primaryKey(),
  epoch: text("epoch").notNull(),
  /** Kept apart from max(seq): collecting a tombstone must not move the head back. */
  head: integer("head").notNull(),
});

/** Per direct peer: how far it acknowledged our log, and how far we took its log. */
export const gossipCursors = sqliteTable("gossip_cursors", {
  peer: text("peer").primaryKey(),
  ackedSeq: integer("acked_seq"),
  ackedAt: integer("acked_at"),
  theirEpoch: text("their_epoch"),
  theirSeq: integer("their_seq"),
  theirAt: integer("their_at"),
});
