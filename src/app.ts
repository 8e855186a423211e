// createApp: the whole node as one Hono app, built from Web standards only. The runtime entry
// points (src/runtimes/) open the database, then hand it here.
import { Hono, type Context } from "hono";
import type { GetConnInfo } from "hono/conninfo";
import { HTTPException } from "hono/http-exception";
import { createAccess } from "./access.ts";
import { adminRoutes } from "./admin/routes.ts";
import type { AppEnv } from "./app-env.ts";
import { oauthRoutes } from "./auth/oauth/routes.ts";
import { Inflight } from "./calls/inflight.ts";
import { InvocationLog } from "./calls/invocations.ts";
import { OwnCard } from "./card/own.ts";
import { cardRoutes } from "./card/routes.ts";
import { listedFederatedTools } from "./catalog/federated-view.ts";
import { listTools } from "./catalog/repository.ts";
import type { Config } from "./config.ts";
import { ReplayCache } from "./envelope/replay-cache.ts";
import { FederationRefusals } from "./federation/refusals.ts";
import { federationRoutes } from "./federation/routes.ts";
import { envelopeTransport } from "./gossip/envelope-transport.ts";
import { Gossip } from "./gossip/gossip.ts";
import { Outbound } from "./guards/outbound.ts";
import { DEFAULT_RECONCILE } from "./gossip/reconciliation.ts";
import { loadIdentity } from "./identity/local.ts";
import { ENVELOPE_TRANSFER_BATCH, ledgerEnvelopeTransport } from "./ledger/envelope-transport.ts";
import { Ledger } from "./ledger/ledger.ts";
import { LedgerReconciler } from "./ledger/reconciliation.ts";
import { LedgerRepository } from "./ledger/repository.ts";
import { log } from "./log.ts";
import { mcpRoutes } from "./mcp/endpoint.ts";
import { ListChangedStreams } from "./mcp/streams.ts";
import { knownCard, learnCard } from "./peers/origin-cards.ts";
import { blockedPeerIds, listPeers } from "./peers/store.ts";
import { onWorkers } from "./platform.ts";
import { cardChecker, cardKeys, identitySigner, selfAndCardKeys } from "./registry/node-keys.ts";
import { Registry } from "./registry/registry.ts";
import { EntryRepository } from "./registry/repository.ts";
import { ResultCache } from "./relay/cache.ts";
import { ProviderStats } from "./relay/choice.ts";
import { Outbox } from "./relay/countersigns.ts";
import type { Services } from "./services.ts";
import { CachedRead } from "./store/cached-read.ts";
import type { Database } from "./store/database.ts";
import { createTick, type Tick } from "./tick.ts";
import { UpstreamPool, type StdioConnector } from "./upstreams/pool.ts";
import { refreshUpstream } from "./upstreams/refresh.ts";
import { resealUpstreams } from "./upstreams/sealed-fields.ts";
import { UpstreamCredentials } from "./upstreams/credentials.ts";
import { connectRoutes } from "./upstreams/connect-routes.ts";
import { SecretBox } from "./secrets/sealed-box.ts";
import { VERSION } from "./version.ts";

export interface AppOptions {
  config: Config;
  /** Migrated already (see migrate()). */
  db: Database;
  /** Given by runtimes that can spawn processes. */
  stdio?: StdioConnector;
  /** How this runtime tells a request's remote address (Hono's conninfo helper of its adapter). */
  connInfo?: GetConnInfo;
  /**
   * The runtime's fetch for requests to other servers, refusing connections whose resolved address
   * is special-purpose unless ALLOW_PRIVATE_URLS (Node, Deno). Workers have none: their egress
   * cannot reach private addresses.
   */
  fetch?: typeof fetch;
}

export interface NodeApp {
  app: Hono<AppEnv>;
  services: Services;
  tick: Tick;
  /** Waits for deferred work, then closes upstream sessions. */
  close(): Promise<void>;
}


const LIST_CHANGED_DEBOUNCE_MS = 250;
/** Principals' own upstream sessions kept open per process; more are reopened on use. */
const MAX_PRINCIPAL_SESSIONS = 256;
/** How long another process's change to peers or names may take to show in this one's listing. */
const FEDERATED_LISTING_MS = 1000;

/** Runs `make` on first call and shares its promise; a failure is retried on the next call. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () =>
    (p ??= make().catch((err: unknown) => {
      p = undefined;
      throw err;
    }));
}

/** Builds the node. Its keys load first, so a NODE_SEED that does not fit the store stops it here. */
export async function createApp(opts: AppOptions): Promise<NodeApp> {
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const p = work.catch((err: unknown) => log.error("deferred.failed", { error: String(err) }));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const refreshTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const own = await loadIdentity(opts.config, opts.db);
  const identity = async () => own;
  // After the keys: a NODE_SEED that does not fit the store has stopped the start by now.
  const secrets = new SecretBox(opts.config.nodeSeed, opts.config.previousNodeSeed);
  await resealUpstreams(opts.db, secrets);
  const card = once(async () => new OwnCard(own, opts.config));
  const cards = { known: (id: string) => knownCard(opts, id), learn: (id: string, via: string) => learnCard(services, id, via) };
  const streams = new ListChangedStreams({ perPrincipal: opts.config.maxStreamsPerPrincipal, total: opts.config.maxStreams });
  const verifier = cardKeys(own, cards);
  const federatedTools = new CachedRead(async () => listedFederatedTools(services, new Set((await listTools(opts.db)).map((t) => t.shortName))), FEDERATED_LISTING_MS);
  const registry = new Registry({
    // Peers' tools come and go with the registry.
    onChange: () => {
      federatedTools.invalidate();
      streams.notify(["tools"]);
    },
    signer: identitySigner(own),
    verifier,
    blockedOrigins: () => blockedPeerIds(opts.db),
    checkCard: cardChecker({ primitives: own.primitives, skew: opts.config.clockSkewSeconds, now: () => Math.floor(Date.now() / 1000) }),
    store: new EntryRepository(opts.db),
    originQuota: { entries: opts.config.maxEntriesPerOrigin, bytes: opts.config.maxEntryBytesPerOrigin },
  });
  const outbound = new Outbound({ allowPrivate: opts.config.allowPrivateUrls, fetch: opts.fetch });
  const ledger = new Ledger({ self: own.nodeId, verifier: selfAndCardKeys(own, cards), repository: new LedgerRepository(opts.db, own.nodeId) });
  const services: Services = {
    config: opts.config,
    db: opts.db,
    outbound,
    secrets,
    nodeId: own.nodeId,
    inflight: new Inflight(),
    streams,
    invocations: new InvocationLog(opts.db),
    defer: track,
    access: createAccess(opts.config, opts.db, () => services.nodeId),
    identity,
    replay: new ReplayCache(opts.db),
    federationRefusals: new FederationRefusals(),
    card,
    now: () => Math.floor(Date.now() / 1000),
    registry,
    federatedTools,
    relay: { outbox: new Outbox(), stats: new ProviderStats(), cache: new ResultCache() },
    ledger,
    ledgerSync: new LedgerReconciler(ledger, ledgerEnvelopeTransport(() => services), DEFAULT_RECONCILE, ENVELOPE_TRANSFER_BATCH),
    upstreamCredentials: new UpstreamCredentials(opts.db, secrets),
    // The transport reaches the services only when it sends, after they exist.
    gossip: new Gossip({
      registry,
      transport: envelopeTransport(() => services),
      peers: async () => (await listPeers(opts.db)).filter((p) => p.state === "active").map((p) => p.nodeId),
      later: (task) => track(task()),
    }),
    pool: new UpstreamPool({
      clientInfo: { name: `mcpfed:${opts.config.nodeName}`, version: VERSION },
      outbound,
      connectTimeoutMs: Math.min(opts.config.callTimeoutMs, 15_000),
      stdio: opts.stdio,
      maxPrincipalSessions: MAX_PRINCIPAL_SESSIONS,
      onListChanged: (name) => {
        clearTimeout(refreshTimers.get(name));
        refreshTimers.set(
          name,
          setTimeout(() => {
            refreshTimers.delete(name);
            track(refreshUpstream(services, name));
          }, LIST_CHANGED_DEBOUNCE_MS),
        );
      },
    }),
  };
  const tick = createTick(services);
  const remoteAddress = (c: Context<AppEnv>): string => {
    try {
      return opts.connInfo?.(c).remote.address ?? "unknown";
    } catch {
      return "unknown"; // a request that did not come through the runtime's server (app.request in tests)
    }
  };

  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    // Elsewhere the process outlives the response, so a tracked promise is enough.
    c.set("defer", onWorkers ? (p) => c.executionCtx.waitUntil(p) : track);
    c.set("clientAddress", remoteAddress(c));
    await next();
    // Work a request started through the services (gossip's pushes after a change) must outlive
    // the response there too: the isolate may be frozen once nothing is waited for.
    if (onWorkers && pending.size > 0) c.executionCtx.waitUntil(Promise.all(pending));
  });
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    log.error("request.failed", { method: c.req.method, path: c.req.path, error: err.name, message: err.message });
    return c.json({ error: { code: "internal", message: "internal error" } }, 500);
  });
  app.notFound((c) => c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  app.get("/healthz", (c) => c.json({ ok: true, name: opts.config.nodeName, version: VERSION }));
  app.route("/", oauthRoutes(services));
  app.route("/", mcpRoutes(services));
  app.route("/", cardRoutes(services));
  app.route("/", federationRoutes(services));
  app.route("/", connectRoutes(services));
  app.route("/admin", adminRoutes(services, tick));

  return {
    app,
    services,
    tick,
    async close() {
      for (const t of refreshTimers.values()) clearTimeout(t);
      await Promise.all(pending);
      await services.pool.closeAll();
    },
  };
}
