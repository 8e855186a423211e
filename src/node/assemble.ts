// The one place a node is built from its parts: identity, store, upstream pool, registry, gossip,
// ledger and access. The HTTP app (src/http/app.ts) serves what this returns.
import { checkDirectoryEntry } from "../protocol/registry/signing.ts";
import { AnswerFloor } from "./routes/gateway/answer-floor.ts";
import { RollupFigures } from "./metrics/overview.ts";
import { AuditChainWatch } from "./access/audit/chain-watch.ts";
import { createAccess } from "./access/access.ts";
import { Inflight } from "./calls/inflight.ts";
import { InvocationLog } from "./calls/invocations.ts";
import { OwnCard } from "./card/own.ts";
import { listedFederatedTools } from "./catalog/federated-view.ts";
import type { Config } from "./settings/config.ts";
import { ReplayCache } from "../store/replay-cache.ts";
import { FederationClient, type MailboxHold } from "./federation-client/client.ts";
import { holdForAnswer, holdsFor } from "./mailbox/holder.ts";
import { FederationRefusals } from "./peers/refusals.ts";
import { FeatureActivation, knownPublicCards } from "./peers/feature-activation.ts";
import { envelopeTransport } from "./gossip/envelope-transport.ts";
import { Gossip } from "./gossip/gossip.ts";
import { Outbound } from "./outbound/outbound.ts";
import { dohResolver } from "./peers/dns-over-https.ts";
import { DEFAULT_RECONCILE } from "../protocol/reconciliation.ts";
import { loadIdentity } from "./identity/local.ts";
import { ENVELOPE_TRANSFER_BATCH, ledgerEnvelopeTransport } from "./ledger/envelope-transport.ts";
import { Ledger } from "./ledger/ledger.ts";
import { LedgerReconciler } from "./ledger/reconciliation.ts";
import { nodeSettlements } from "./ledger/settlement/node-settlements.ts";
import { nodeCheckpoints } from "./ledger/node-checkpoints.ts";
import { LedgerRepository } from "../store/ledger.ts";
import { log } from "./logging/log.ts";
import { ListChangedStreams } from "./catalog/list-changed-streams.ts";
import { ResourceSubscriptions } from "./catalog/resource-subscriptions.ts";
import { legacySubscriber } from "./upstreams/subscribe-resource.ts";
import { knownCard, learnCard } from "./peers/origin-cards.ts";
import { blockedPeerIds, listPeers } from "../store/peers.ts";
import { ClearingRepository } from "../store/clearing.ts";
import { CLEARING_FEATURE } from "../protocol/clearing/round.ts";
import { CLEARING_JOB, ClearingRounds } from "./clearing/rounds.ts";
import { ScheduleRuns } from "../store/schedules.ts";
import { clearingReach } from "./clearing/reach.ts";
import { Budgets } from "./budgets/budgets.ts";
import { budgetTransport } from "./budgets/transport.ts";
import { CallCharges } from "./budgets/call-charges.ts";
import { HybridClock } from "../protocol/registry/hlc.ts";
import { PROCESS_PLATFORM, type Platform } from "./settings/platform.ts";
import { cardChecker, cardKeys, identitySigner, selfAndCardKeys } from "./registry/node-keys.ts";
import { Registry } from "./registry/registry.ts";
import { strongBlackboard } from "./blackboard/strong-assembly.ts";
import { EntryRepository, ownLiveEntry } from "../store/registry.ts";
import { ResultCache } from "./relay/cache.ts";
import { Outbox } from "./relay/countersigns.ts";
import type { Services } from "./services.ts";
import { CachedRead } from "../store/cached-read.ts";
import type { Database } from "../store/database.ts";
import { createTick, type Ticks } from "./tick.ts";
import { UpstreamPool } from "./upstreams/pool.ts";
import { RequestStateSeal } from "./interactive/request-state.ts";
import { SuspendedCalls } from "./interactive/suspended-calls.ts";
import { refreshUpstream } from "./upstreams/refresh.ts";
import { resealUpstreams } from "../store/sealed-fields.ts";
import { UpstreamCredentials } from "./upstreams/credentials.ts";
import { AnnouncedChanges } from "./upstreams/announced-changes.ts";
import { SecretBox } from "../secrets/sealed-box.ts";
import { VERSION } from "./settings/version.ts";
import { CALLABLE_TOOLS_LIMITS, CallableTools } from "./catalog/callable-tools.ts";
import { KeptLookups } from "../store/kept-lookups.ts";
import { findCallable } from "../store/catalog.ts";
import { PeerChannels } from "./channels/channels.ts";
import { TrustScores } from "./trust/scores.ts";
import { ToolRatings } from "./trust/ratings.ts";
import { WitnessedProviderStats } from "./relay/witnessed-stats.ts";
import { Quarantine } from "./trust/quarantine.ts";
import { DefinitionPins } from "./upstreams/definition-pins.ts";
import { withheldOrigins } from "./trust/onward.ts";
import { RouteLimits, RouteOffer } from "./routes/offer.ts";
import { RouteDefaults } from "./routes/defaults.ts";
import { OnionReplayTags } from "../store/onion-replay.ts";
import { OnionSurbs } from "../store/onion-surbs.ts";
import { KnownCards } from "./routes/onion/known-cards.ts";
import { assembleBlackboard } from "./blackboard/assemble.ts";
import { MetricsRecorder } from "./metrics/recorder.ts";
import { OtlpExporter } from "./tracing/exporter.ts";
import { Tracer } from "./tracing/tracer.ts";
import { countLedgerRecord, countReceivedEntries, countSentEntries } from "./metrics/instruments.ts";
import { METRICS } from "./metrics/definitions.ts";
import { Discovery } from "./discovery/discovery.ts";
import { keptEntries } from "./discovery/kept-entries.ts";

export interface NodeOptions {
  config: Config;
  /** Migrated already (see migrate()). */
  db: Database;
  /** Where it runs; a long-lived process when absent. */
  platform?: Platform;
}

export interface AssembledNode {
  services: Services;
  tick: Ticks;
  /** Waits for deferred work, then closes upstream sessions. */
  close(): Promise<void>;
}

const LIST_CHANGED_DEBOUNCE_MS = 250;
/** Principals' own upstream sessions kept open per process; more are reopened on use. */
const MAX_PRINCIPAL_SESSIONS = 256;
/** How long another process's change to peers or names may take to show in this one's listing. */
const FEDERATED_LISTING_MS = 1000;
/** How many calls may wait for a client to answer what its upstream asked (for config.inputWaitSeconds). */
const HELD_CALLS_PER_PRINCIPAL = 16;
const HELD_CALLS_TOTAL = 1024;

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
export async function assembleNode(opts: NodeOptions): Promise<AssembledNode> {
  const platform = opts.platform ?? PROCESS_PLATFORM;
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const p = work.catch((err: unknown) => log.error("deferred.failed", { error: String(err) }));
    // On Workers a promise settles only within the request that made it: that request keeps it.
    const requests = platform.requestDefer?.current();
    if (requests) {
      try {
        return requests(p);
      } catch {
        // That request has ended (a timer it set fired later): the node keeps the work.
      }
    }
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const metrics = new MetricsRecorder({ db: opts.db, defer: track, requestScopedIo: platform.requestScopedIo });
  const announced = new AnnouncedChanges({
    debounceMs: LIST_CHANGED_DEBOUNCE_MS,
    refresh: (name) => refreshUpstream(services, name),
    notify: (kinds) => services.streams.notify(kinds),
    track,
  });
  const own = await loadIdentity(opts.config, opts.db);
  const identity = async () => own;
  // After the keys: a NODE_SEED that does not fit the store has stopped the start by now.
  const secrets = new SecretBox(opts.config.nodeSeed, opts.config.previousNodeSeed);
  for (const failed of await resealUpstreams(opts.db, secrets)) log.warn("upstream.secrets_unopened", failed);
  const card = once(async () => new OwnCard(own, opts.config));
  const cards = { known: (id: string) => knownCard(opts, id), learn: (id: string, via: string) => learnCard(services, id, via) };
  const streams = new ListChangedStreams({ perPrincipal: opts.config.maxStreamsPerPrincipal, total: opts.config.maxStreams });
  const subscriptions = new ResourceSubscriptions({ perPrincipal: opts.config.maxSubscriptionsPerPrincipal, total: opts.config.maxSubscriptions });
  // A principal's 2025-11-25 subscriptions end with its last GET /mcp stream, which carried them.
  streams.onHolderGone((principal) => subscriptions.drop(legacySubscriber(principal)));
  // The upstreams listen for their list changes only while some client listens for the node's.
  streams.onListening((listening) => services.pool.listenForChanges(listening));
  const verifier = cardKeys(own, cards);
  const federatedTools = new CachedRead(() => listedFederatedTools(services), FEDERATED_LISTING_MS);
  // A miss is kept for a peer's tool: a relayed call looks for a local tool of its name first.
  const callables = new CallableTools((by) => findCallable(opts.db, by), CALLABLE_TOOLS_LIMITS, async (by) =>
    (await federatedTools.get()).some((t) => ("shortName" in by ? t.shortName === by.shortName : t.globalId === by.globalId)),
  );
  const ownTools = new KeptLookups((key) => ownLiveEntry(opts.db, own.nodeId, key), CALLABLE_TOOLS_LIMITS);
  // Each change to the catalog or to this node's shares in this process is announced; the kept tools go with it.
  streams.onNotify(() => {
    callables.clear();
    ownTools.clear();
  });
  const quarantine = new Quarantine(opts.db);
  const registry = new Registry({
    // Peers' tools, resources and prompts come and go with the registry.
    onChange: () => {
      federatedTools.invalidate();
      streams.notify(["tools", "resources", "prompts"]);
    },
    signer: identitySigner(own),
    verifier,
    // Quarantined origins' entries are refused as blocked ones are.
    blockedOrigins: async () => new Set([...(await blockedPeerIds(opts.db)), ...(await quarantine.held())]),
    checkCard: cardChecker({ primitives: own.primitives, skew: opts.config.clockSkewSeconds, now: () => Math.floor(Date.now() / 1000) }),
    // Checked against the origin's card only when this node holds one: it fetches none for it.
    checkDirectory: async (e) => checkDirectoryEntry(e, own.primitives, await cards.known(e.origin)),
    store: new EntryRepository(opts.db),
    onReceived: (report) => countReceivedEntries(metrics, report, Date.now()),
    kept: () => keptEntries({ self: own.nodeId, db: opts.db, registrySync: opts.config.registrySync, indexActive: () => discovery.active(), found: () => discovery.foundOrigins() }),
    originQuota: { entries: opts.config.maxEntriesPerOrigin, bytes: opts.config.maxEntryBytesPerOrigin },
  });
  const outbound = new Outbound({ allowPrivate: opts.config.allowPrivateUrls, fetch: platform.fetch, requestScopedIo: platform.requestScopedIo });
  const now = () => Math.floor(Date.now() / 1000);
  const traces = opts.config.traces;
  const tracer = traces ? new Tracer(new OtlpExporter({ outbound, traces, defer: track, requestScopedIo: platform.requestScopedIo })) : undefined;
  const channels = new PeerChannels({ db: opts.db, secrets, identity, config: opts.config, now, platform, defer: track });
  // This node as a mailbox (§20.6) holds, rather than posts, what it sends the nodes behind it.
  const mailbox: MailboxHold = { holds: (c) => holdsFor(services, c), hold: (to, message, signal, keepUntil) => holdForAnswer(services, to, message, signal, keepUntil) };
  const federation = new FederationClient({ identity, outbound, now, config: opts.config, db: opts.db, channels, mailbox });
  const ledgerKeys = selfAndCardKeys(own, cards);
  const ledger = new Ledger({ self: own.nodeId, verifier: ledgerKeys, repository: new LedgerRepository(opts.db, own.nodeId), onRecord: (o) => countLedgerRecord(metrics, o) });
  const budgets = new Budgets({
    db: opts.db,
    signer: identitySigner(own),
    keys: ledgerKeys,
    clock: new HybridClock(),
    transport: budgetTransport(federation),
    peers: async () => (await listPeers(opts.db)).filter((p) => p.state === "active").map((p) => p.nodeId),
  });
  const strong = strongBlackboard({ db: opts.db, own, keys: ledgerKeys, federation, clock: registry.clock, home: platform.strongHome });
  const trust = new TrustScores({ db: opts.db, self: own.nodeId, trust: opts.config.trust, now });
  const onionCards = new KnownCards({ db: opts.db, outbound, now, config: opts.config, primitives: async () => (await identity()).primitives });
  const features = new FeatureActivation({
    pending: opts.config.featuresPending,
    off: opts.config.featuresOff,
    trustFloor: opts.config.featuresTrustFloor,
    cards: () => knownPublicCards({ db: opts.db, nodeId: own.nodeId, now, config: opts.config }),
    trust,
  });
  const discovery = new Discovery({ db: opts.db, nodeId: own.nodeId, now, config: opts.config, card, identity, signer: identitySigner(own), federation, fetchedCards: onionCards, features });
  const services: Services = {
    config: opts.config,
    db: opts.db,
    platform,
    outbound,
    resolveTxt: platform.resolveTxt ?? dohResolver(outbound, opts.config.dnsOverHttpsUrl),
    secrets,
    nodeId: own.nodeId,
    inflight: new Inflight(),
    requestStates: new RequestStateSeal(opts.config.nodeSeed, opts.config.inputWaitSeconds * 1000),
    heldCalls: new SuspendedCalls({ ttlMs: opts.config.inputWaitSeconds * 1000, perPrincipal: HELD_CALLS_PER_PRINCIPAL, total: HELD_CALLS_TOTAL }),
    streams,
    subscriptions,
    invocations: new InvocationLog(opts.db),
    overviewFigures: new RollupFigures(opts.db),
    auditWatch: new AuditChainWatch(opts.db, () => services.access.keys.audit()),
    defer: track,
    access: createAccess(opts.config, opts.db, () => services.nodeId),
    identity,
    replay: new ReplayCache(opts.db),
    federation,
    channels,
    federationRefusals: new FederationRefusals((reason) => metrics.count(METRICS.federationRefusals, { reason })),
    metrics,
    tracer,
    card,
    now,
    registry,
    federatedTools,
    callables,
    ownTools,
    relay: { outbox: new Outbox(), stats: new WitnessedProviderStats(trust.observed), cache: new ResultCache() },
    ledger,
    checkpoints: nodeCheckpoints({ db: opts.db, config: opts.config, identity: own, ledger, verifier: ledgerKeys, federation, now }),
    ledgerSync: new LedgerReconciler(ledger, ledgerEnvelopeTransport(federation), DEFAULT_RECONCILE, ENVELOPE_TRANSFER_BATCH),
    settlement: nodeSettlements({ db: opts.db, secrets, identity: own, ledger, federation, outbound }),
    upstreamCredentials: new UpstreamCredentials(opts.db, secrets),
    trust,
    features,
    quarantine,
    definitionPins: new DefinitionPins(opts.db),
    discovery,
    routes: { offer: new RouteOffer(opts.config), limits: new RouteLimits(opts.config), defaults: new RouteDefaults(opts.db), answerFloor: new AnswerFloor(opts.config.gatewayAnswerFloorMs) },
    onion: {
      replayTags: new OnionReplayTags(opts.db),
      cards: onionCards,
      surbs: new OnionSurbs(opts.db),
    },
    ratings: new ToolRatings({ db: opts.db, self: own.nodeId, verifier: ledgerKeys }),
    clearing: new ClearingRounds(
      {
        self: own.nodeId,
        config: opts.config,
        signer: identitySigner(own),
        keys: ledgerKeys,
        repository: new ClearingRepository(opts.db),
        scheduleRuns: new ScheduleRuns(opts.db, CLEARING_JOB),
        secrets,
        obligationWith: (peer, unit, asOf) => ledger.obligationWith(peer, unit, asOf),
        storeSetOff: async (record) => (await ledger.receive(record, null)).outcome !== "rejected",
        clearingPeers: async () => (await listPeers(opts.db)).filter((p) => p.state === "active" && p.card.features.includes(CLEARING_FEATURE)).map((p) => p.nodeId),
        units: async () => [...new Set((await ledger.balances()).map((b) => b.unit))],
        nowMs: () => Date.now(),
        defer: track,
      },
      clearingReach({ db: opts.db, federation }),
    ),
    budgets,
    charges: new CallCharges({ db: opts.db, budgets, ledger, log }),
    blackboard: assembleBlackboard({ db: opts.db, self: own.nodeId, signer: identitySigner(own), keys: ledgerKeys, federation, later: track }),
    strong,
    gossip: new Gossip({
      registry,
      transport: envelopeTransport(federation),
      peers: async () => (await listPeers(opts.db)).filter((p) => p.state === "active").map((p) => p.nodeId),
      later: (task) => track(task()),
      onSent: (entries) => countSentEntries(metrics, entries),
      withheld: (origins) => withheldOrigins({ trust, quarantine, tiers: opts.config.trust.tiers, relayTier: opts.config.trust.relayTier }, origins),
    }),
    pool: new UpstreamPool({
      clientInfo: { name: `mcpfed:${opts.config.nodeName}`, version: VERSION },
      outbound,
      connectTimeoutMs: Math.min(opts.config.callTimeoutMs, 15_000),
      stdio: platform.stdio,
      maxPrincipalSessions: MAX_PRINCIPAL_SESSIONS,
      requestScopedIo: platform.requestScopedIo,
      processes: { max: opts.config.packageMaxProcesses, idleMs: opts.config.packageIdleSeconds * 1000 },
      onResourceUpdated: (name, uri, principal) => subscriptions.updated(name, uri, principal),
      onSessionOpened: (name, principal) => subscriptions.reopened(name, principal),
      onListChanged: (name, kind) => announced.announced(name, kind),
    }),
  };
  const tick = createTick(services);
  return {
    services,
    tick,
    async close() {
      await tick.release();
      announced.close();
      services.heldCalls.closeAll();
      // First, so the metrics timer's wait ends now instead of holding `pending` for its second.
      await metrics.flush();
      await Promise.all(pending);
      await metrics.flush();
      await tracer?.flush();
      await services.pool.closeAll();
    },
  };
}
