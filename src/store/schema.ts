// The node's tables, as code. `npm run db:generate` turns changes here into migrations/.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { Card } from "../protocol/card/schema.ts";
import type { RotationStatement } from "../protocol/identity/rotation.ts";
import type { PerPrincipal } from "./upstream-spec.ts";

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
      enum: ["ok", "tool_error", "unknown_tool", "unavailable", "timeout", "cancelled", "upstream_error", "peer_refused", "cache_hit", "no_credential"],
    }).notNull(),
    error: text("error"),
    arguments: text("arguments", { mode: "json" }),
  },
  (t) => [index("invocations_at").on(t.at)],
);

// --- Who may call what: OAuth, API tokens, policy, grants, rate limits, audit ------------------

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

/** Fixed-window request counts, shared by every process and isolate through the database. */
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

/**
 * The node's encryption (X-Wing) keys, one per epoch of KEM_ROTATION_SECONDS. Only the current
 * and the previous epoch are kept (src/node/identity/kem-keyring.ts); `sealed_seed` is the key's
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
  /** The operator's name for the peer's shared tools (their short names start with it); null: derived from its card. */
  alias: text("alias"),
  createdAt: integer("created_at").notNull().default(now),
  updatedAt: integer("updated_at").notNull().default(now),
  lastSeenAt: integer("last_seen_at"),
});

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

/**
 * The bilateral ledger (src/ledger): one row per relayed call this node took part in, holding the
 * canonical record both nodes keep byte for byte. Balances are sums over confirmed rows.
 */
export const ledgerRecords = sqliteTable(
  "ledger_records",
  {
    /** The intent's id (hex). */
    id: text("id").primaryKey(),
    /** The other node of the call. */
    peer: text("peer").notNull(),
    /** This node's side: a consumer owes the amount, a provider is owed it. */
    role: text("role", { enum: ["consumer", "provider"] }).notNull(),
    status: text("status", { enum: ["pending", "confirmed", "disputed"] }).notNull(),
    reason: text("reason"),
    /** Hex SHA-256 of `record`: the item reconciliation compares. */
    hash: text("hash").notNull().unique(),
    completedAt: integer("completed_at").notNull(),
    /** Null for free calls. */
    unit: text("unit"),
    amount: integer("amount").notNull(),
    record: text("record").notNull(),
    updatedAt: integer("updated_at").notNull().default(now),
    /** Times the provider asked the consumer for this pending record and did not get it. */
    asks: integer("asks").notNull().default(0),
  },
  (t) => [index("ledger_records_peer").on(t.peer, t.completedAt, t.hash), index("ledger_records_status").on(t.status)],
);

/** Records refused or contradicted, kept as received for the operator: never merged, never counted. */
export const ledgerFlags = sqliteTable(
  "ledger_flags",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    /** The record id it claimed, when it had a readable one. */
    recordId: text("record_id"),
    /** The node it came from; null when this node's own code refused it. */
    source: text("source"),
    reason: text("reason").notNull(),
    received: text("received").notNull(),
    at: integer("at").notNull().default(now),
  },
  (t) => [index("ledger_flags_record").on(t.recordId)],
);

/** Subscription grants this node bought from peers: a call to a tool priced by subscription presents one. */
export const subscriptions = sqliteTable(
  "subscriptions",
  {
    grantId: text("grant_id").primaryKey(),
    provider: text("provider").notNull(),
    /** The tool's global id. */
    tool: text("tool").notNull(),
    from: integer("from").notNull(),
    until: integer("until").notNull(),
    /** The provider's signed grant, canonical JSON. */
    grant: text("grant").notNull(),
    /** The purchase's ledger record. */
    recordId: text("record_id").notNull(),
  },
  (t) => [index("subscriptions_tool").on(t.provider, t.tool, t.until)],
);
