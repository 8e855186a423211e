// Who may call what: OAuth, API tokens, policy, grants, rate limits, audit.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./defaults.ts";

/** An OAuth client: registered (RFC 7591), or known by its client ID metadata document (its URL). */
export const oauthClients = sqliteTable("oauth_clients", {
  clientId: text("client_id").primaryKey(),
  kind: text("kind", { enum: ["registered", "metadata-document"] }).notNull(),
  name: text("name").notNull(),
  redirectUris: text("redirect_uris", { mode: "json" }).notNull().$type<string[]>(),
  /** Public registration metadata (client_uri, logo_uri, scope...), as the client gave it. */
  metadata: text("metadata", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
  authMethod: text("auth_method", { enum: ["none", "client_secret_post", "client_secret_basic"] }).notNull(),
  secretHash: text("secret_hash"),
  roles: text("roles", { mode: "json" }).notNull().$type<string[]>().default([]),
  /** The operator lets this client skip the consent page. */
  preApproved: integer("pre_approved", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at").notNull().default(now),
  /** When a metadata document was last fetched. */
  fetchedAt: integer("fetched_at"),
});

/** Authorization codes, by hash: single use, short-lived, bound to a PKCE challenge. */
export const oauthCodes = sqliteTable("oauth_codes", {
  codeHash: text("code_hash").primaryKey(),
  clientId: text("client_id")
    .notNull()
    .references(() => oauthClients.clientId, { onDelete: "cascade" }),
  redirectUri: text("redirect_uri").notNull(),
  codeChallenge: text("code_challenge").notNull(),
  resource: text("resource").notNull(),
  scopes: text("scopes", { mode: "json" }).notNull().$type<string[]>(),
  expiresAt: integer("expires_at").notNull(),
  usedAt: integer("used_at"),
  /** The session the code was exchanged for, revoked if the code is replayed. */
  sessionId: text("session_id"),
});

/** One authorization: its rotating refresh token (by hash) and the access tokens issued under it. */
export const oauthSessions = sqliteTable(
  "oauth_sessions",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClients.clientId, { onDelete: "cascade" }),
    scopes: text("scopes", { mode: "json" }).notNull().$type<string[]>(),
    resource: text("resource").notNull(),
    refreshGeneration: integer("refresh_generation").notNull(),
    refreshHash: text("refresh_hash").notNull(),
    refreshExpiresAt: integer("refresh_expires_at").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    revokedAt: integer("revoked_at"),
    revokedReason: text("revoked_reason"),
  },
  (t) => [index("oauth_sessions_client").on(t.clientId)],
);

/** Long-lived API tokens the operator creates; only a hash of each is kept. */
export const apiTokens = sqliteTable("api_tokens", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  scopes: text("scopes", { mode: "json" }).notNull().$type<string[]>(),
  roles: text("roles", { mode: "json" }).notNull().$type<string[]>(),
  createdAt: integer("created_at").notNull().default(now),
  expiresAt: integer("expires_at"),
  revokedAt: integer("revoked_at"),
  lastUsedAt: integer("last_used_at"),
});

/** The operator's rules on who may list and call which tools, and how grant requests are decided. */
export const policyRules = sqliteTable("policy_rules", {
  id: text("id").primaryKey(),
  priority: integer("priority").notNull(),
  action: text("action", { enum: ["call", "request"] }).notNull(),
  effect: text("effect", { enum: ["allow", "deny", "grant"] }).notNull(),
  subjectKind: text("subject_kind", { enum: ["client", "api-token", "anonymous", "peer"] }),
  subjectId: text("subject_id"),
  role: text("role"),
  tag: text("tag"),
  upstream: text("upstream"),
  tool: text("tool"),
  visibility: text("visibility"),
  /** A peer's trust tier must be this one or above (src/node/trust/tiers.ts); other callers have none. */
  trustTier: text("trust_tier"),
  /** For auto-approving request rules: the longest grant they give. */
  ttlSeconds: integer("ttl_seconds"),
  note: text("note"),
  createdAt: integer("created_at").notNull().default(now),
});

/** Permission grants (AuthGuardian): requested by agents, decided by policy or the operator. */
export const grants = sqliteTable(
  "grants",
  {
    id: text("id").primaryKey(),
    /** The principal id of the caller that asked; only it may use the grant. */
    holder: text("holder").notNull(),
    agentId: text("agent_id").notNull(),
    resource: text("resource").notNull(),
    scope: text("scope").notNull(),
    justification: text("justification").notNull(),
    status: text("status", { enum: ["pending", "active", "denied", "revoked"] }).notNull(),
    ttlSeconds: integer("ttl_seconds").notNull(),
    decidedBy: text("decided_by"),
    reason: text("reason"),
    createdAt: integer("created_at").notNull(),
    decidedAt: integer("decided_at"),
    expiresAt: integer("expires_at"),
  },
  (t) => [index("grants_holder").on(t.holder, t.status)],
);

/** Rate limits and quotas the operator sets per client, peer and tool. */
export const rateLimits = sqliteTable("rate_limits", {
  id: text("id").primaryKey(),
  subjectKind: text("subject_kind", { enum: ["client", "api-token", "anonymous", "peer"] }),
  subjectId: text("subject_id"),
  tool: text("tool"),
  windowSeconds: integer("window_seconds").notNull(),
  maxRequests: integer("max_requests"),
  maxConcurrent: integer("max_concurrent"),
  createdAt: integer("created_at").notNull().default(now),
});

/** Request counts per key and slot of a sliding window, shared by every process and isolate through the database. */
export const rateCounters = sqliteTable(
  "rate_counters",
  {
    key: text("key").notNull(),
    windowStart: integer("window_start").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

/** Calls in flight under a concurrency limit; a lease outlives a crashed holder only until it expires. */
export const rateLeases = sqliteTable(
  "rate_leases",
  {
    id: text("id").primaryKey(),
    key: text("key").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("rate_leases_key").on(t.key, t.expiresAt)],
);

/**
 * The audit trail: append-only and hash-chained. `hash` is an HMAC over the canonical JSON of the
 * rest of the row, `prev_hash` the hash of the row before; both are unique, so two writers racing
 * for the same head cannot both succeed.
 */
export const auditLog = sqliteTable("audit_log", {
  seq: integer("seq").primaryKey(),
  at: integer("at").notNull(),
  actor: text("actor").notNull(),
  action: text("action").notNull(),
  target: text("target"),
  decision: text("decision", { enum: ["allow", "deny", "pending", "ok", "error"] }).notNull(),
  reason: text("reason"),
  details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
  prevHash: text("prev_hash").notNull().unique(),
  hash: text("hash").notNull().unique(),
});
