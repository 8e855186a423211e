// What the upstreams offer (tools, resources, prompts) and the operator's choices about it.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { upstreams } from "./upstreams.ts";
import { now } from "./defaults.ts";

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

/** The operator's choice of version for a peer's tool that has several live: shown instead of the newest. */
export const versionPins = sqliteTable(
  "version_pins",
  {
    origin: text("origin").notNull(),
    /** `<upstream>/<tool>`: the key without its label. */
    tool: text("tool").notNull(),
    version: text("version").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.origin, t.tool] })],
);
