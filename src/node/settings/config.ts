// Configuration from the environment, under the same names on every runtime.
import type { PendingFeature } from "../../protocol/activation.ts";
import { INDEX_AGENTS_FEATURE } from "../../protocol/discovery/record.ts";
import { INDEX_XOR_FEATURE } from "../../protocol/discovery/placement.ts";
import { z } from "zod";
import { NODE_ID } from "../../protocol/identity/keys.ts";
import { FEATURES } from "../../protocol/versions.ts";
import { parseSeed } from "../../protocol/identity/seed.ts";
import { DEFAULT_DAILY_QUOTAS, DEFAULT_TIERS, dailyQuotasSetting, perTierSetting, tierName, tiersSetting, type Tier } from "../trust/tiers.ts";
import { forwardFee, MAX_MAILBOXES, type ForwardFee } from "../../protocol/card/schema.ts";
import { ROUTE_ROLES, routeRequest, type RouteRequest, type RouteRole } from "../../protocol/routes/roles.ts";
import { DEFAULT_HELD_COPIES } from "../../protocol/backup/deposit.ts";
import { SCHEDULES, type Schedule } from "../schedules/schedule.ts";

const flag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const list = z
  .string()
  .transform((v) => v.split(",").map((s) => s.trim()).filter((s) => s.length > 0));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A DNS server: an IPv4 address or a bracketed IPv6 one, each with an optional port (53). */
export interface DnsServer {
  address: string;
  port: number;
}
const dnsServers = list.transform((items, ctx) => {
  const servers: DnsServer[] = [];
  for (const item of items) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+))(?::(\d{1,5}))?$/.exec(item) ?? /^([0-9a-fA-F:]+)$/.exec(item);
    const address = m?.[1] ?? m?.[2];
    const port = m?.[3] === undefined ? 53 : Number(m[3]);
    if (!address || !(z.ipv4().safeParse(address).success || z.ipv6().safeParse(address).success) || port < 1 || port > 65535) {
      ctx.addIssue({ code: "custom", message: "a comma-separated list of IP addresses, each with an optional port (1.1.1.1, 127.0.0.1:5353, [::1]:53)" });
      return z.NEVER;
    }
    servers.push({ address, port });
  }
  return servers;
});
/** OpenTelemetry's header list: `key=value` pairs, comma-separated, values percent-encoded. */
const otlpHeaders = z
  .string()
  .max(8192)
  .transform((v, ctx) => {
    const headers: Record<string, string> = {};
    for (const pair of v.split(",").map((p) => p.trim()).filter((p) => p.length > 0)) {
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim().toLowerCase();
      let value: string | undefined;
      try {
        value = decodeURIComponent(pair.slice(at + 1).trim());
      } catch {
        value = undefined;
      }
      if (at <= 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name) || value === undefined || /[\r\n\0]/.test(value)) {
        ctx.addIssue({ code: "custom", message: "a comma-separated list of name=value pairs (values percent-encoded)" });
        return z.NEVER;
      }
      headers[name] = value;
    }
    return headers;
  });

/** Requests per minute each route role takes when ROUTE_RATE_LIMITS does not name it. */
export const DEFAULT_ROUTE_RATE_LIMITS: ReadonlyMap<RouteRole, number> = new Map([
  ["forward", 600],
  ["relay", 600],
  ["gateway", 600],
  ["hop", 1200],
  ["exit", 600],
  // Polls by one mailboxed node: a long poll each, so a handful a minute when all is well.
  ["mailbox", 120],
]);

/** `role:per-minute,...`, e.g. `forward:600,hop:1200`; roles not named keep their default. */
const routeLimitsSetting = z.string().transform((text, ctx): Map<RouteRole, number> => {
  const out = new Map(DEFAULT_ROUTE_RATE_LIMITS);
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p.length > 0)) {
    const [role, value] = part.split(":").map((x) => x.trim());
    const n = Number(value);
    if (!ROUTE_ROLES.includes(role as RouteRole) || !value || !Number.isInteger(n) || n < 1 || n > 1_000_000) {
      ctx.addIssue({ code: "custom", message: `"${part}" is not role:per-minute with a role of ${ROUTE_ROLES.join(", ")} and a whole number from 1` });
      return z.NEVER;
    }
    out.set(role as RouteRole, n);
  }
  return out;
});

/** An amount and a currency unit, "3 credits": a forwarding fee (§12.5). */
const feeText = z
  .string()
  .trim()
  .regex(/^\d{1,16}\s+\S+$/, 'an amount (a whole number from 1) and a currency unit, as in "3 credits"')
  .transform((v) => {
    const [amount, unit] = v.split(/\s+/);
    return { amount: Number(amount), unit };
  })
  .pipe(forwardFee);

/** The most this node pays a forwarder per call, per currency unit: "5 credits, 2 usd-cent". */
const feeCapsSetting = list.pipe(z.array(feeText)).transform((fees) => new Map(fees.map((f) => [f.unit, f.amount])));

/** The secrets a node cannot start without; a local start generates them, an edge deploy asks for them. */
export const REQUIRED_SECRETS = {
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters"),
  NODE_SEED: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be 32 random bytes in base64url (43 characters)"),
} as const;
export type RequiredSecret = keyof typeof REQUIRED_SECRETS;

const schema = z.object({
  PORT: int(0, 65535).default(8787),
  HOST: z.string().min(1).default("127.0.0.1"),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  ALLOWED_HOSTS: list.optional(),
  ALLOWED_ORIGINS: list.optional(),
  LIBSQL_URL: z.string().regex(/^(file|libsql|https?|wss?):/, "must be a file:, libsql:, http(s): or ws(s): URL").optional(),
  LIBSQL_AUTH_TOKEN: z.string().min(1).optional(),
  ADMIN_TOKEN: REQUIRED_SECRETS.ADMIN_TOKEN,
  NODE_SEED: REQUIRED_SECRETS.NODE_SEED,
  AUTHLESS: flag.optional(),
  CONSENT_PASSPHRASE: z.string().min(12, "must be at least 12 characters").optional(),
  PREVIOUS_NODE_SEED: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be the node's previous NODE_SEED").optional(),
  NODE_NAME: z.string().min(1).max(100).default("mcpfed"),
  CATALOG_MODE: z.enum(["full", "search"]).default("full"),
  CALL_TIMEOUT_MS: int(100, 3_600_000).default(60_000),
  COUNTERSIGN_ASK_AFTER_SECONDS: int(0, 86_400).default(30),
  INPUT_WAIT_SECONDS: int(1, 3600).default(300),
  MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  TICK_SECONDS: int(5, 86_400).default(60),
  LOG_ARGUMENTS: flag.default(false),
  METRICS_RETENTION_HOURS: int(1, 24 * 90).default(48),
  ALLOW_PRIVATE_URLS: flag.optional(),
  DNS_SERVERS: dnsServers.optional(),
  DNS_OVER_HTTPS_URL: z.url({ protocol: /^https$/ }).default("https://cloudflare-dns.com/dns-query"),
  NPM_REGISTRY_URL: z.url({ protocol: /^https?$/ }).default("https://registry.npmjs.org"),
  PACKAGE_MIRROR: flag.default(false),
  NODE_CONTACT: z.string().min(1).max(256).optional(),
  PEER_POLICY: z.enum(["open", "approve", "allowlist", "trust"]).default("approve"),
  PEER_ALLOWLIST: list.pipe(z.array(z.string().regex(NODE_ID, "must be node ids (32 base32 characters)"))).optional(),
  BOOTSTRAP_PEERS: list.pipe(z.array(z.url({ protocol: /^https?$/ }), "must be http(s) URLs")).optional(),
  PUBLIC_NODE: flag.default(false),
  KEM_ROTATION_SECONDS: int(60, 365 * 86_400).default(86_400),
  CLOCK_SKEW_SECONDS: int(1, 3600).default(60),
  INTENTS_PER_PRINCIPAL: int(0, 10_000).default(16),
  MAX_JSON_DEPTH: int(8, 1000).default(64),
  MAX_STREAMS_PER_PRINCIPAL: int(1, 10_000).default(16),
  MAX_STREAMS: int(1, 100_000).default(512),
  MAX_SUBSCRIPTIONS_PER_PRINCIPAL: int(1, 10_000).default(64),
  MAX_SUBSCRIPTIONS: int(1, 100_000).default(4096),
  PACKAGE_NODE: z.string().min(1).max(4096).optional(),
  PACKAGE_DENO: z.string().min(1).max(4096).optional(),
  PACKAGE_IDLE_SECONDS: int(1, 86_400).default(300),
  PACKAGE_MAX_PROCESSES: int(1, 10_000).default(32),
  FEDERATION_RATE_PER_SOURCE: int(1, 1_000_000).default(3000),
  FEDERATION_RATE_PER_SENDER: int(1, 1_000_000).default(3000),
  HELLO_RATE_PER_SOURCE: int(1, 100_000).default(30),
  MAX_PENDING_PEERS: int(0, 100_000).default(100),
  MAX_ENTRIES_PER_ORIGIN: int(1, 1_000_000).default(500),
  MAX_ENTRY_BYTES_PER_ORIGIN: int(64 * 1024, 1024 * 1024 * 1024).default(4 * 1024 * 1024),
  INDEX_MIN_NODES: int(1, 100_000_000).default(200),
  INDEX_REPLICAS: int(1, 16).default(5),
  INDEX_TTL_SECONDS: int(600, 86_400).default(6 * 3600),
  INDEX_RENDEZVOUS_MAX: int(1, 100_000_000).default(100_000),
  REGISTRY_SYNC: z.enum(["full", "partial"]).default("full"),
  COUNTERSIGN_MAX_ASKS: int(1, 1000).default(10),
  CHANNELS: z.enum(["on", "off"]).default("on"),
  ONION_MAX_DELAY_MS: int(0, 60_000).default(0),
  ONION_MAX_TTL_SECONDS: int(10, 3600).default(300),
  ONION_MIN_BUCKET: z.enum(["2048", "16384", "65536"]).default("16384").transform(Number),
  ONION_COVER_PER_MINUTE: int(0, 600).default(0),
  ONION_REPLY: z.enum(["exchange", "surb"]).default("exchange"),
  ONION_SURB_WAIT_SECONDS: int(5, 300).default(60),
  // The limits docs/protocol.md §5.6 puts on a channel-accept.
  CHANNEL_EPOCH_SECONDS: int(60, 86_400).default(3600),
  CHANNEL_LIFETIME_SECONDS: int(60, 604_800).default(86_400),
  LEDGER_CHECKPOINTS: z.enum(["on", "off"]).default("on"),
  CHECKPOINT_SECONDS: int(1, 86_400).default(60),
  // Ledger reconciliation with each active peer: the default schedule (a peer's own is set through the admin API), and how many run per tick.
  LEDGER_RECONCILE_SCHEDULE: z.enum(SCHEDULES).default("tick"),
  LEDGER_RECONCILE_PER_TICK: int(1, 64).default(1),
  // Privacy Pass tokens (docs/protocol.md §15): whether this node issues them, and what one is worth.
  TOKENS: z.enum(["on", "off"]).default("on"),
  TOKEN_UNIT: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, "a currency unit").default("credit"),
  TOKEN_VALUE: int(1, 1_000_000_000).default(1),
  TOKEN_KEY_SECONDS: int(2, 365 * 86_400).default(7 * 86_400),
  // Other nodes whose tokens this node accepts for its tools, redeemed online at them (§15.9); none by default.
  TOKEN_TRUSTED_ISSUERS: list.pipe(z.array(z.string().regex(NODE_ID, "must be node ids (32 base32 characters)")).max(32)).optional(),
  TRUST_TIERS: tiersSetting.default(tiersSetting.parse(DEFAULT_TIERS)),
  TRUST_SEEDS: list.pipe(z.array(z.string().regex(NODE_ID, "must be node ids (32 base32 characters)"))).optional(),
  TRUST_HALF_LIFE_DAYS: z.coerce.number().min(0.01).max(3650).default(30),
  TRUST_PEER_TIER: tierName.default("known"),
  TRUST_RELAY_TIER: tierName.optional(),
  TRUST_EXPLORATION: z.coerce.number().min(0).max(0.5).default(0.05),
  TRUST_VALIDATORS: list.pipe(z.array(z.string().regex(NODE_ID, "must be node ids (32 base32 characters)"))).optional(),
  TRUST_PUBLISH: z.enum(["off", "peers", "public"]).default("off"),
  TRUST_CREDIT_LIMITS: perTierSetting.optional(),
  TRUST_RATE_LIMITS: perTierSetting.optional(),
  TRUST_DAILY_QUOTAS: dailyQuotasSetting.optional(),
  TRUST_QUARANTINE_AT: z.coerce.number().min(0).max(10).default(0.5),
  ROUTE_DEFAULT: routeRequest.default("auto"),
  ROUTES_OFFER: z
    .string()
    .transform((v) => (v.trim() === "none" ? [] : v.split(",").map((s) => s.trim()).filter((s) => s.length > 0)))
    .pipe(z.array(z.enum(ROUTE_ROLES, `roles: ${ROUTE_ROLES.join(", ")} (or none)`)))
    // Holding others' messages costs storage: the mailbox role is the operator's to opt into.
    .default(ROUTE_ROLES.filter((r) => r !== "mailbox")),
  ROUTE_RATE_LIMITS: routeLimitsSetting.optional(),
  // Pending features (docs/protocol.md §20.5): feature:threshold[:hysteresis], comma-separated;
  // agents in the index by default, which nodes without it refuse, and XOR placement, which moves
  // every key's owners (a supermajority first).
  FEATURES_PENDING: z
    .string()
    .transform((v) => v.split(",").map((s) => s.trim()).filter((s) => s.length > 0))
    .pipe(
      z.array(
        z
          .string()
          .regex(/^[a-z0-9-]{1,32}:(0(\.\d+)?|1(\.0+)?)(:(0(\.\d+)?))?$/, "feature:threshold[:hysteresis], each share between 0 and 1")
          .transform((v) => {
            const [feature, threshold, hysteresis] = v.split(":");
            return { feature: feature!, threshold: Number(threshold), hysteresis: Number(hysteresis ?? 0.05) };
          })
          .refine((p) => p.threshold > 0 && p.hysteresis < p.threshold, "a threshold above 0, and a hysteresis below it"),
      ),
    )
    .default([
      { feature: INDEX_AGENTS_FEATURE, threshold: 0.5, hysteresis: 0.05 },
      { feature: INDEX_XOR_FEATURE, threshold: 0.9, hysteresis: 0.05 },
    ]),
  FEATURES_TRUST_FLOOR: z.coerce.number().min(0).max(1).default(0.1),
  // Protocol features this node neither advertises nor uses (§20.5): an operator holding one back,
  // or a test modelling a node that predates it.
  FEATURES_OFF: z
    .string()
    .transform((v) => v.split(",").map((s) => s.trim()).filter((s) => s.length > 0))
    .pipe(z.array(z.enum(FEATURES, `features: ${FEATURES.join(", ")}`)))
    .default([]),
  MAILBOXES: list.pipe(z.array(z.url({ protocol: /^https?$/ })).max(MAX_MAILBOXES, `at most ${MAX_MAILBOXES} mailboxes`)).optional(),
  MAILBOX_MAX_MESSAGES: z.coerce.number().int().min(1).max(10_000).default(64),
  FORWARDED_CALLERS: z.enum(["off", "public"]).default("public"),
  FORWARDED_CALLER_TIER: tierName.optional(),
  FORWARD_ANNOUNCE: z.enum(["off", "peers", "public"]).default("peers"),
  FORWARD_FEE: feeText.optional(),
  GATEWAY_ANSWER_FLOOR_MS: int(0, 10_000).default(25),
  FORWARD_FEE_MAX: feeCapsSetting.optional(),
  // Clearing rounds (docs/protocol.md §16.1).
  CLEARING: z.enum(["on", "off"]).default("off"),
  CLEARING_LIMIT: int(0, 100).default(100),
  CLEARING_SCHEDULE: z.enum(["off", "daily", "weekly", "monthly"]).default("off"),
  CLEARING_SUBMIT_SECONDS: int(5, 86_400).default(60),
  CLEARING_COMMIT_SECONDS: int(10, 7 * 86_400).default(300),
  CLEARING_MAX_PARTICIPANTS: int(2, 64).default(64),
  // Backups (docs/protocol.md §19.1).
  BACKUP_SCHEDULE: z.enum(["off", "hourly", "daily", "weekly"]).default("off"),
  BACKUP_KEEP: int(1, 100).default(7),
  BACKUP_MAX_BYTES: int(1024, 2 ** 31).default(512 * 1024 * 1024),
  // The alert webhook (docs/protocol.md §21); the secret keys its signature header.
  ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  ALERT_WEBHOOK_SECRET: z.string().min(16, "at least 16 characters").max(512).optional(),
  // Backups held by peers (docs/protocol.md §19.2). Depositing is the operator's to switch on;
  // holding others' ciphertext costs storage, so it is too.
  BACKUP_PEERS: z
    .string()
    .transform((v): "off" | "all-approved" | string[] => (v.trim() === "off" ? "off" : v.trim() === "all-approved" ? "all-approved" : v.split(",").map((s) => s.trim()).filter((s) => s.length > 0)))
    .default("off"),
  BACKUP_HOLD_MAX_BYTES: int(0, 64 * 1024 * 1024).default(0),
  BACKUP_HOLD_COPIES: int(1, 10).default(DEFAULT_HELD_COPIES),
  // Traces (OTLP/HTTP JSON, src/node/tracing/): off unless an endpoint is set. The names are OpenTelemetry's own.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(128).optional(),
});

export type Env = Record<string, string | undefined>;

export interface Config {
  port: number;
  host: string;
  /** Unset on the edge when PUBLIC_URL is: the deployment's own URL is not known in advance. */
  publicUrl: URL | undefined;
  /** Host names (optionally with :port) accepted in the Host header of /mcp; "*" accepts any. */
  allowedHosts: string[];
  /** Origins accepted in the Origin header of /mcp, when a browser sends one. */
  allowedOrigins: string[];
  libsqlUrl: string | undefined;
  libsqlAuthToken: string | undefined;
  adminToken: string;
  /** The one secret every key is derived from (see src/protocol/identity/seed.ts). */
  nodeSeed: Uint8Array;
  /** /mcp serves callers without a token. The default on loopback only. */
  authless: boolean;
  /** Unlocks the OAuth consent page; ADMIN_TOKEN unless CONSENT_PASSPHRASE is set. */
  consentPassphrase: string;
  /** Set for a signing-key rotation: the seed being retired signs the hand-over to nodeSeed. */
  previousNodeSeed: Uint8Array | undefined;
  nodeName: string;
  catalogMode: "full" | "search";
  callTimeoutMs: number;
  /** A provider asks the consumer for a record's countersignature once it has been pending this long. */
  countersignAskAfterSeconds: number;
  /** How long a request state the node gives out stays valid, and a held call waits for its client's answer. */
  inputWaitSeconds: number;
  maxBodyBytes: number;
  tickSeconds: number;
  logArguments: boolean;
  /** How long per-minute metric rollups are kept; older minutes are folded into one total row. */
  metricsRetentionHours: number;
  /** Whether upstream and peer URLs may point at private, loopback and link-local addresses. */
  allowPrivateUrls: boolean;
  /** The DNS servers the domain proof asks (Node, Deno); empty: the system's. */
  dnsServers: DnsServer[];
  /** The DNS-over-HTTPS resolver (RFC 8484, wire format) where the runtime has no DNS API (Workers). */
  dnsOverHttpsUrl: string;
  /** Where npm package artifacts (protocol §18.2) are fetched from. */
  npmRegistryUrl: string;
  /** Whether this node serves the artifacts of packages it installed to peers (protocol §18.5). */
  packageMirror: boolean;
  /** Shown in the node card, e.g. a mailto: URL. */
  nodeContact: string | undefined;
  /** Who may peer: anyone with a valid card, anyone once approved, only listed node ids, or nodes of TRUST_PEER_TIER and above. */
  peerPolicy: "open" | "approve" | "allowlist" | "trust";
  peerAllowlist: string[];
  /** Nodes this node peers with on its own, on the tick, until they are peers. */
  bootstrapPeers: string[];
  /** Publish this node's card through the registry, so that nodes it never met can peer with it. */
  publicNode: boolean;
  /** Length of an encryption-key epoch; the previous epoch's key stays valid for one more. */
  kemRotationSeconds: number;
  /** Clock difference tolerated on envelope and card times. */
  clockSkewSeconds: number;
  /** Open intents one principal may hold at once (protocol §17.3); 0: no principal may declare. */
  intentsPerPrincipal: number;
  /** How deep the params of a JSON-RPC message on /mcp may nest; deeper is refused with -32602. */
  maxJsonDepth: number;
  /** Standing GET /mcp streams one principal may hold in one process, and all of them. */
  maxStreamsPerPrincipal: number;
  maxStreams: number;
  /** Resource subscriptions (either era) one principal, and the process, may hold. */
  maxSubscriptionsPerPrincipal: number;
  maxSubscriptions: number;
  /** The Node binary packages run under (default: the node's own), and Deno's (default: `deno` on the PATH). */
  packageNode: string | undefined;
  packageDeno: string | undefined;
  /** A stdio upstream's process (a package's) idle this long is stopped; the next call starts it again. */
  packageIdleSeconds: number;
  /** Stdio upstream processes running at once in this process; over it, the least recently used idle one stops. */
  packageMaxProcesses: number;
  /** Federation requests per minute, each isolate: per client address, and per authenticated sender (peers, and public nodes of the directory writing directly, §20.8). */
  federationRatePerSource: number;
  federationRatePerSender: number;
  /** Hellos per minute per client address (each isolate): each one costs card and signature checks. */
  helloRatePerSource: number;
  /** Strangers waiting for approval; a hello beyond it is refused without a card fetch. */
  maxPendingPeers: number;
  /** What one origin may hold in this node's registry: entries, and their canonical bytes. */
  maxEntriesPerOrigin: number;
  maxEntryBytesPerOrigin: number;
  /** The structured index (docs/discovery.md): used above `minNodes` public nodes known, k replicas per key, records' lifetime, rendezvous up to `rendezvousMax` nodes and Kademlia beyond. */
  index: { minNodes: number; replicas: number; ttlSeconds: number; rendezvousMax: number };
  /** full: every entry gossip brings is kept; partial: only peers' own entries, node entries and what a lookup fetched. */
  registrySync: "full" | "partial";
  /** Times a provider asks a consumer that lacks a pending record before it flags the record and stops. */
  countersignMaxAsks: number;
  /** Whether this node offers peer channels (feature `channel`) and sends on them. */
  channels: boolean;
  /**
   * Onion route (docs/protocol.md §14): the longest delay a hop honours, the furthest expiry it accepts; cover packets sent per minute (§14.10);
   * how this node's anonymous calls get their answer (on the held exchange, or by a single-use reply block: §14.6) and how long a call waits for a block's answer.
   */
  onion: { maxDelayMs: number; maxTtlSeconds: number; minBucket: number; coverPerMinute: number; reply: "exchange" | "surb"; surbWaitSeconds: number };
  /** Length of a channel epoch this node answers a handshake with: its keys ratchet forward at each. */
  channelEpochSeconds: number;
  /** How long a channel this node accepts lasts before a new handshake. */
  channelLifetimeSeconds: number;
  /** Offer feature ledger-checkpoints: per-call Ed25519 signatures, covered by checkpoints (protocol §8.4). */
  ledgerCheckpoints: boolean;
  /** A node checkpoints the records it has yet to cover once the oldest is this old (or 64 wait). */
  checkpointSeconds: number;
  /** Ledger reconciliation on the tick: the schedule of peers without their own, and the most peers reconciled per tick. */
  reconcile: { schedule: Schedule; perTick: number };
  /** Privacy Pass issuing: on or off, each token's worth, an issuer key's lifetime, and the other issuers whose tokens it accepts. */
  tokens: { issue: boolean; unit: string; value: number; keySeconds: number; trustedIssuers: readonly string[] };
  trust: TrustConfig;
  /** The route a call takes when neither it nor its principal names one (docs/protocol.md §12). */
  routeDefault: RouteRequest;
  /** The roles this node plays in others' calls; each adds its card feature. */
  routesOffer: RouteRole[];
  /** Requests per minute each role takes, per predecessor or source (per process or isolate). */
  routeRateLimits: Map<RouteRole, number>;
  /** Features used only once adopted widely enough (docs/protocol.md §20.5), and the weight of an unknown node. */
  featuresPending: PendingFeature[];
  featuresTrustFloor: number;
  /** Features of the protocol's list this node does not advertise, and so never uses. */
  featuresOff: string[];
  /** The mailboxes this node, binding nothing reachable, polls and names in its card (§20.6). */
  mailboxes: string[];
  /** Messages this node, as a mailbox, holds for one node at most. */
  mailboxMaxMessages: number;
  /** Whether calls forwarded from nodes that are not peers are taken (to tools shared public only), and from which trust tier up. */
  forwardedCallers: "off" | "public";
  forwardedCallerTier: string | undefined;
  /** Whether this node, offering to forward, claims its active peers as destinations in a registry entry (§12.6.1), and to whom. */
  forwardAnnounce: "off" | "peers" | "public";
  /** The gateway answers no sooner than this after a request arrived, refusal or success (§13.5). */
  gatewayAnswerFloorMs: number;
  /** What this node charges per call it forwards (its card's forwardFee); absent: it forwards free. */
  forwardFee: ForwardFee | undefined;
  /** The most this node pays a forwarder per call, by currency unit; a unit not named is not paid. */
  forwardFeeMax: ReadonlyMap<string, number>;
  /** Clearing rounds (docs/protocol.md §16): on or off (feature `clearing`), the percent of each obligation a round may clear, when this node starts rounds, the round's windows and size. */
  clearing: { enabled: boolean; limit: number; schedule: "off" | "daily" | "weekly" | "monthly"; submitSeconds: number; commitSeconds: number; maxParticipants: number };
  /** Backups (docs/protocol.md §19.1): how often the tick makes one, how many it keeps, the largest file a restore takes (and rows it inflates). */
  backup: {
    schedule: "off" | "hourly" | "daily" | "weekly";
    keep: number;
    maxBytes: number;
    /** Where backups are deposited (§19.2): nowhere, every active peer, or these peers. */
    peers: "off" | "all-approved" | string[];
    /** Bytes held per depositor in all (0: this node holds none), and copies kept per depositor. */
    holdMaxBytes: number;
    holdCopies: number;
  };
  /** Where alerts are POSTed, signed with the secret; unset: alerts stay in the console, the admin API and mcpfed://alerts. */
  alertWebhook: { url: string; secret: string } | undefined;
  /** Where finished spans are exported (`<endpoint>/v1/traces`), with the headers that go with them, as which service; unset: no tracing. */
  traces: { endpoint: string; headers: Record<string, string>; serviceName: string } | undefined;
}

/** Trust between strangers (issue 14): how scores are seeded and decay, and what each tier may do. */
export interface TrustConfig {
  /** Ascending; the first starts at 0. */
  tiers: Tier[];
  /** Node ids whose trust this node starts from beside its own (personalized EigenTrust's seeds). */
  seeds: string[];
  /** Evidence loses half its weight in this many days. */
  halfLifeDays: number;
  /** Under PEER_POLICY=trust, a stranger whose tier is this or above becomes an active peer. */
  peerTier: string;
  /** Public entries from origins below this tier are kept but not relayed onward; unset relays all. */
  relayTier: string | undefined;
  /** Share of calls sent to a provider other than the best, so that newcomers can earn trust. */
  exploration: number;
  /** Node ids whose signed attestations (statuses such as premium) this node shows. */
  validators: string[];
  /** Whether and to whom this node publishes its scores as signed assertions. */
  publish: "off" | "peers" | "public";
  /** How much a peer of each tier may owe this node before its priced calls are refused; no entry: no limit. */
  creditLimits: Map<string, number>;
  /** Federated requests in any minute a peer of each tier may make; no entry: no per-tier limit. */
  rateLimits: Map<string, number>;
  /** Federated requests in any 24 hours a peer of each tier may make; no entry: no quota. */
  dailyQuotas: Map<string, number>;
  /** Warnings quarantine a node once the scores of their warners add up to this; only warners of peerTier and above count. */
  quarantineAt: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Reads the settings; a missing or invalid one throws a ConfigError that names it.
 * `edge` marks deployments that are public by nature (Workers, Deno Deploy).
 */
export function loadConfig(env: Env, { edge = false }: { edge?: boolean } = {}): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  if ((e.ALERT_WEBHOOK_URL === undefined) !== (e.ALERT_WEBHOOK_SECRET === undefined)) {
    throw new ConfigError("invalid configuration:\n  ALERT_WEBHOOK_URL and ALERT_WEBHOOK_SECRET are set together: the webhook's body is signed with the secret");
  }
  const tierNames = e.TRUST_TIERS.map((t) => t.name);
  const unknownTiers = [
    ...[e.TRUST_PEER_TIER, e.TRUST_RELAY_TIER].filter((t): t is string => t !== undefined),
    ...(e.TRUST_CREDIT_LIMITS?.keys() ?? []),
    ...(e.TRUST_RATE_LIMITS?.keys() ?? []),
    ...(e.TRUST_DAILY_QUOTAS?.keys() ?? []),
    ...(e.FORWARDED_CALLER_TIER ? [e.FORWARDED_CALLER_TIER] : []),
  ].filter((t) => !tierNames.includes(t));
  if (unknownTiers.length > 0) throw new ConfigError(`invalid configuration:\n  TRUST_*: no tier named ${unknownTiers.join(", ")} in TRUST_TIERS (${tierNames.join(", ")})`);
  // A node behind mailboxes binds nothing reachable: its card names its first mailbox's URL (§20.6).
  const publicUrl = e.PUBLIC_URL ? new URL(e.PUBLIC_URL) : e.MAILBOXES?.[0] ? new URL(new URL(e.MAILBOXES[0]).origin) : edge ? undefined : new URL(`http://localhost:${e.PORT}`);
  const local = !edge && !!publicUrl && isLoopbackHost(publicUrl.hostname) && isLoopbackHost(e.HOST);
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    // An edge platform routes by Host, so a request that reached this deployment is addressed to
    // it: DNS rebinding cannot point a foreign name at it.
    allowedHosts: e.ALLOWED_HOSTS ?? (publicUrl ? [publicUrl.hostname, ...(local ? LOOPBACK_NAMES : [])] : ["*"]),
    allowedOrigins: e.ALLOWED_ORIGINS ?? (publicUrl ? [publicUrl.origin] : []),
    libsqlUrl: e.LIBSQL_URL,
    libsqlAuthToken: e.LIBSQL_AUTH_TOKEN,
    adminToken: e.ADMIN_TOKEN,
    nodeSeed: parseSeed(e.NODE_SEED),
    // Off loopback and on the edge, /mcp wants a token unless the operator says otherwise.
    authless: e.AUTHLESS ?? local,
    consentPassphrase: e.CONSENT_PASSPHRASE ?? e.ADMIN_TOKEN,
    previousNodeSeed: e.PREVIOUS_NODE_SEED ? parseSeed(e.PREVIOUS_NODE_SEED) : undefined,
    nodeName: e.NODE_NAME,
    catalogMode: e.CATALOG_MODE,
    callTimeoutMs: e.CALL_TIMEOUT_MS,
    countersignAskAfterSeconds: e.COUNTERSIGN_ASK_AFTER_SECONDS,
    inputWaitSeconds: e.INPUT_WAIT_SECONDS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    tickSeconds: e.TICK_SECONDS,
    logArguments: e.LOG_ARGUMENTS,
    metricsRetentionHours: e.METRICS_RETENTION_HOURS,
    allowPrivateUrls: e.ALLOW_PRIVATE_URLS ?? local,
    dnsServers: e.DNS_SERVERS ?? [],
    dnsOverHttpsUrl: e.DNS_OVER_HTTPS_URL,
    npmRegistryUrl: e.NPM_REGISTRY_URL,
    packageMirror: e.PACKAGE_MIRROR,
    nodeContact: e.NODE_CONTACT,
    peerPolicy: e.PEER_POLICY,
    peerAllowlist: e.PEER_ALLOWLIST ?? [],
    bootstrapPeers: e.BOOTSTRAP_PEERS ?? [],
    publicNode: e.PUBLIC_NODE,
    kemRotationSeconds: e.KEM_ROTATION_SECONDS,
    clockSkewSeconds: e.CLOCK_SKEW_SECONDS,
    intentsPerPrincipal: e.INTENTS_PER_PRINCIPAL,
    maxJsonDepth: e.MAX_JSON_DEPTH,
    maxStreamsPerPrincipal: e.MAX_STREAMS_PER_PRINCIPAL,
    maxStreams: e.MAX_STREAMS,
    maxSubscriptionsPerPrincipal: e.MAX_SUBSCRIPTIONS_PER_PRINCIPAL,
    maxSubscriptions: e.MAX_SUBSCRIPTIONS,
    packageNode: e.PACKAGE_NODE,
    packageDeno: e.PACKAGE_DENO,
    packageIdleSeconds: e.PACKAGE_IDLE_SECONDS,
    packageMaxProcesses: e.PACKAGE_MAX_PROCESSES,
    federationRatePerSource: e.FEDERATION_RATE_PER_SOURCE,
    federationRatePerSender: e.FEDERATION_RATE_PER_SENDER,
    helloRatePerSource: e.HELLO_RATE_PER_SOURCE,
    maxPendingPeers: e.MAX_PENDING_PEERS,
    maxEntriesPerOrigin: e.MAX_ENTRIES_PER_ORIGIN,
    maxEntryBytesPerOrigin: e.MAX_ENTRY_BYTES_PER_ORIGIN,
    index: { minNodes: e.INDEX_MIN_NODES, replicas: e.INDEX_REPLICAS, ttlSeconds: e.INDEX_TTL_SECONDS, rendezvousMax: e.INDEX_RENDEZVOUS_MAX },
    registrySync: e.REGISTRY_SYNC,
    countersignMaxAsks: e.COUNTERSIGN_MAX_ASKS,
    channels: e.CHANNELS === "on",
    onion: { maxDelayMs: e.ONION_MAX_DELAY_MS, maxTtlSeconds: e.ONION_MAX_TTL_SECONDS, minBucket: e.ONION_MIN_BUCKET, coverPerMinute: e.ONION_COVER_PER_MINUTE, reply: e.ONION_REPLY, surbWaitSeconds: e.ONION_SURB_WAIT_SECONDS },
    channelEpochSeconds: e.CHANNEL_EPOCH_SECONDS,
    channelLifetimeSeconds: e.CHANNEL_LIFETIME_SECONDS,
    ledgerCheckpoints: e.LEDGER_CHECKPOINTS === "on",
    checkpointSeconds: e.CHECKPOINT_SECONDS,
    reconcile: { schedule: e.LEDGER_RECONCILE_SCHEDULE, perTick: e.LEDGER_RECONCILE_PER_TICK },
    tokens: { issue: e.TOKENS === "on", unit: e.TOKEN_UNIT, value: e.TOKEN_VALUE, keySeconds: e.TOKEN_KEY_SECONDS, trustedIssuers: e.TOKEN_TRUSTED_ISSUERS ?? [] },
    trust: {
      tiers: e.TRUST_TIERS,
      seeds: e.TRUST_SEEDS ?? [],
      halfLifeDays: e.TRUST_HALF_LIFE_DAYS,
      peerTier: e.TRUST_PEER_TIER,
      relayTier: e.TRUST_RELAY_TIER,
      exploration: e.TRUST_EXPLORATION,
      validators: e.TRUST_VALIDATORS ?? [],
      publish: e.TRUST_PUBLISH,
      creditLimits: e.TRUST_CREDIT_LIMITS ?? new Map(),
      rateLimits: e.TRUST_RATE_LIMITS ?? new Map(),
      // The default names the default tiers: under tiers named otherwise it holds only those it names.
      dailyQuotas: e.TRUST_DAILY_QUOTAS ?? new Map([...perTierSetting.parse(DEFAULT_DAILY_QUOTAS)].filter(([t]) => tierNames.includes(t))),
      quarantineAt: e.TRUST_QUARANTINE_AT,
    },
    routeDefault: e.ROUTE_DEFAULT,
    routesOffer: e.ROUTES_OFFER,
    routeRateLimits: e.ROUTE_RATE_LIMITS ?? new Map(DEFAULT_ROUTE_RATE_LIMITS),
    featuresPending: e.FEATURES_PENDING,
    featuresTrustFloor: e.FEATURES_TRUST_FLOOR,
    featuresOff: e.FEATURES_OFF,
    mailboxes: e.MAILBOXES ?? [],
    mailboxMaxMessages: e.MAILBOX_MAX_MESSAGES,
    forwardedCallers: e.FORWARDED_CALLERS,
    forwardedCallerTier: e.FORWARDED_CALLER_TIER,
    forwardAnnounce: e.FORWARD_ANNOUNCE,
    gatewayAnswerFloorMs: e.GATEWAY_ANSWER_FLOOR_MS,
    forwardFee: e.FORWARD_FEE,
    forwardFeeMax: e.FORWARD_FEE_MAX ?? new Map(),
    clearing: {
      enabled: e.CLEARING === "on",
      limit: e.CLEARING_LIMIT,
      schedule: e.CLEARING_SCHEDULE,
      submitSeconds: e.CLEARING_SUBMIT_SECONDS,
      commitSeconds: e.CLEARING_COMMIT_SECONDS,
      maxParticipants: e.CLEARING_MAX_PARTICIPANTS,
    },
    backup: {
      schedule: e.BACKUP_SCHEDULE,
      keep: e.BACKUP_KEEP,
      maxBytes: e.BACKUP_MAX_BYTES,
      peers: e.BACKUP_PEERS,
      holdMaxBytes: e.BACKUP_HOLD_MAX_BYTES,
      holdCopies: e.BACKUP_HOLD_COPIES,
    },
    alertWebhook: e.ALERT_WEBHOOK_URL && e.ALERT_WEBHOOK_SECRET ? { url: e.ALERT_WEBHOOK_URL, secret: e.ALERT_WEBHOOK_SECRET } : undefined,
    traces: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ""), headers: e.OTEL_EXPORTER_OTLP_HEADERS ?? {}, serviceName: e.OTEL_SERVICE_NAME ?? e.NODE_NAME }
      : undefined,
  };
}
