// The MCP servers the operator registered, and principals' own credentials for them.
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/**
 * How each principal brings its own credential. `header:<Name>`: it supplies that header's value;
 * `oauth`: it authorizes the node, as an OAuth client, at the upstream's own authorization server.
 */
export type PerPrincipal = { mode: "header"; header: string } | { mode: "oauth" };

/** An MCP server the operator registered. `headers` and `env` hold secrets and are never echoed back. */
export const upstreams = sqliteTable("upstreams", {
  name: text("name").primaryKey(),
  kind: text("kind", { enum: ["http", "stdio"] }).notNull(),
  url: text("url"),
  headers: text("headers", { mode: "json" }).$type<Record<string, string>>(),
  command: text("command"),
  args: text("args", { mode: "json" }).$type<string[]>(),
  env: text("env", { mode: "json" }).$type<Record<string, string>>(),
  /** A stdio child's working folder (a package's data folder); null: the node's. */
  cwd: text("cwd"),
  /** A package run in its sandbox: the child gets only its declared env, and denials are logged. */
  sandboxed: integer("sandboxed", { mode: "boolean" }).notNull().default(false),
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
  /** Set when each caller must bring its own credential (src/node/upstreams/per-principal.ts). */
  perPrincipal: text("per_principal", { mode: "json" }).$type<PerPrincipal>(),
});

/** A principal's own credential for a per-principal upstream, sealed under that upstream and principal. */
export const upstreamCredentials = sqliteTable(
  "upstream_credentials",
  {
    upstream: text("upstream")
      .notNull()
      .references(() => upstreams.name, { onDelete: "cascade" }),
    principal: text("principal").notNull(),
    kind: text("kind", { enum: ["header", "oauth"] }).notNull(),
    /** SecretBox text of a JSON value: the header value, or the OAuth client state and tokens. */
    secret: text("secret").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.upstream, t.principal] })],
);
