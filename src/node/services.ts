// What every part of a node is handed: its settings, its store and its upstream sessions.
import type { AnswerFloor } from "./routes/gateway/answer-floor.ts";
import type { FeatureActivation } from "./peers/feature-activation.ts";
import type { Access } from "./access/access.ts";
import type { Platform, TxtResolver } from "./settings/platform.ts";
import type { OwnCard } from "./card/own.ts";
import type { Config } from "./settings/config.ts";
import type { ListChangedStreams } from "./catalog/list-changed-streams.ts";
import type { ResourceSubscriptions } from "./catalog/resource-subscriptions.ts";
import type { ReplayCache } from "../store/replay-cache.ts";
import type { LocalIdentity } from "./identity/local.ts";
import type { AuditChainWatch } from "./access/audit/chain-watch.ts";
import type { Inflight } from "./calls/inflight.ts";
import type { InvocationLog } from "./calls/invocations.ts";
import type { OverviewFigures } from "./metrics/overview.ts";
import type { Gossip } from "./gossip/gossip.ts";
import type { FederationClient } from "./federation-client/client.ts";
import type { FederationRefusals } from "./peers/refusals.ts";
import type { Outbound } from "./outbound/outbound.ts";
import type { ListedFederatedTool } from "./catalog/federated-view.ts";
import type { Ledger } from "./ledger/ledger.ts";
import type { CachedRead } from "../store/cached-read.ts";
import type { ResultCache } from "./relay/cache.ts";
import type { ProviderStats } from "./relay/choice.ts";
import type { Outbox } from "./relay/countersigns.ts";
import type { LedgerReconciler } from "./ledger/reconciliation.ts";
import type { LedgerCheckpoints } from "./ledger/checkpoints.ts";
import type { NodeSettlements } from "./ledger/settlement/node-settlements.ts";
import type { Registry } from "./registry/registry.ts";
import type { Database } from "../store/database.ts";
import type { SecretBox } from "../secrets/sealed-box.ts";
import type { UpstreamPool } from "./upstreams/pool.ts";
import type { RequestStateSeal } from "./interactive/request-state.ts";
import type { SuspendedCalls } from "./interactive/suspended-calls.ts";
import type { UpstreamCredentials } from "./upstreams/credentials.ts";
import type { CallableTools } from "./catalog/callable-tools.ts";
import type { KeptLookups } from "../store/kept-lookups.ts";
import type { Entry } from "../protocol/registry/entry.ts";
import type { PeerChannels } from "./channels/channels.ts";
import type { TrustScores } from "./trust/scores.ts";
import type { ToolRatings } from "./trust/ratings.ts";
import type { Quarantine } from "./trust/quarantine.ts";
import type { DefinitionPins } from "./upstreams/definition-pins.ts";
import type { Discovery } from "./discovery/discovery.ts";
import type { RouteLimits, RouteOffer } from "./routes/offer.ts";
import type { RouteDefaults } from "./routes/defaults.ts";
import type { OnionReplayTags } from "../store/onion-replay.ts";
import type { OnionSurbs } from "../store/onion-surbs.ts";
import type { KnownCards } from "./routes/onion/known-cards.ts";
import type { ClearingRounds } from "./clearing/rounds.ts";
import type { Budgets } from "./budgets/budgets.ts";
import type { CallCharges } from "./budgets/call-charges.ts";
import type { BlackboardParts } from "./blackboard/assemble.ts";
import type { StrongBlackboard } from "./blackboard/strong.ts";
import type { StrongNamespaces } from "./blackboard/strong-namespaces.ts";
import type { MetricsRecorder } from "./metrics/recorder.ts";
import type { Tracer } from "./tracing/tracer.ts";

export interface Services {
  config: Config;
  db: Database;
  /** What the runtime can do (src/node/settings/platform.ts). */
  platform: Platform;
  pool: UpstreamPool;
  /** Every request to another server goes through it (src/node/outbound/outbound.ts). */
  outbound: Outbound;
  /** TXT lookups (the domain proof): the runtime's resolver, or DNS-over-HTTPS through outbound. */
  resolveTxt: TxtResolver;
  /** Seals and opens secrets at rest (upstream headers and env), under a key derived from NODE_SEED. */
  secrets: SecretBox;
  inflight: Inflight;
  /** Seals the requestState of input_required results (src/node/interactive/). */
  requestStates: RequestStateSeal;
  /** Upstream calls waiting for a 2026-07-28 client's answers, in this process's memory. */
  heldCalls: SuspendedCalls;
  /** Open GET /mcp streams, told when the catalog changes. */
  streams: ListChangedStreams;
  /** Clients' resource subscriptions and the upstream subscriptions behind them (this process). */
  subscriptions: ResourceSubscriptions;
  invocations: InvocationLog;
  /** Call rate, errors and latency for the console's overview. */
  overviewFigures: OverviewFigures;
  /** The audit chain as the overview shows it: what was appended since this process last verified. */
  auditWatch: AuditChainWatch;
  /** Placeholder until node identity lands; the first segment of every global id. */
  nodeId: string;
  /** Keeps work alive after the response: waitUntil on Workers, a tracked promise elsewhere. */
  defer: (work: Promise<unknown>) => void;
  /** Who may call what: keys, policy, limits, audit (src/node/access/access.ts). */
  access: Access;
  /** This node's keys, expanded on first use. */
  identity: () => Promise<LocalIdentity>;
  /** Envelope ids already accepted. */
  replay: ReplayCache;
  /** Every request to a peer goes through it. */
  federation: FederationClient;
  /** Peer channels this node opened and accepted (src/node/channels/). */
  channels: PeerChannels;
  /** Federation traffic this process or isolate turned away, by reason. */
  federationRefusals: FederationRefusals;
  /** Counts and latencies, added to the store's per-minute rollups after the response (src/node/metrics/). */
  metrics: MetricsRecorder;
  /** Spans of calls, exported over OTLP/HTTP (src/node/tracing/); absent when OTEL_EXPORTER_OTLP_ENDPOINT is unset. */
  tracer: Tracer | undefined;
  /** This node's signed card. */
  card: () => Promise<OwnCard>;
  /** Seconds since the epoch: the clock every signature and envelope time is checked against. */
  now: () => number;
  /**
   * Peers' tools as the catalog lists them, kept a second per process or isolate: a relayed call
   * resolves its tool here instead of rebuilding the listing. Registry changes and the operator's
   * changes invalidate it at once.
   */
  federatedTools: CachedRead<ListedFederatedTool[]>;
  /** This node's own tools as a call names them, kept a moment (src/node/catalog/callable-tools.ts). */
  callables: CallableTools;
  /** This node's live tool entries by key, kept as the callables are: the provider reads one per relayed call. */
  ownTools: KeptLookups<Entry>;
  /** The federated registry this node holds: its own shares and what peers sent. */
  registry: Registry;
  /** Spreads registry changes to peers. */
  gossip: Gossip;
  /** The records of relayed calls this node made or served, verified before they are stored. */
  ledger: Ledger;
  /** This process's view of relayed calls: countersignatures to deliver, providers' measures, cached results. */
  relay: { outbox: Outbox; stats: ProviderStats; cache: ResultCache };
  /** This node's ledger checkpoints, and its peers' (protocol §8.8). */
  checkpoints: LedgerCheckpoints;
  /** Reconciles the ledger with peers, and answers their reconciliation. */
  ledgerSync: LedgerReconciler;
  /** Settlements with peers, the adapters that pay and verify them, payment thresholds (protocol §16). */
  settlement: NodeSettlements;
  /** Principals' own credentials for per-principal upstreams. */
  upstreamCredentials: UpstreamCredentials;
  /** This node's trust in other nodes: every privilege reads a standing here (src/node/trust/). */
  trust: TrustScores;
  /** Pending features and whether each is on (docs/protocol.md §20.5). */
  features: FeatureActivation;
  /** Tools' ratings, weighed by this node's trust in the raters. */
  ratings: ToolRatings;
  /** Nodes held apart: no calls either way, no entries admitted or relayed (src/node/trust/quarantine.ts). */
  quarantine: Quarantine;
  /** The accepted definition of every local tool; a refresh holds back the ones that moved (src/node/upstreams/definition-pins.ts). */
  definitionPins: DefinitionPins;
  /** The structured index beyond gossip (src/node/discovery/, docs/discovery.md). */
  discovery: Discovery;
  /** Routes (src/node/routes/): the roles this node offers others, their rate limits, principals' default routes. */
  routes: { offer: RouteOffer; limits: RouteLimits; defaults: RouteDefaults; answerFloor: AnswerFloor };
  /** The onion route (src/node/routes/onion/): replay tags of packets this node processed, the cards it forwards under, the reply blocks of its own calls. */
  onion: { replayTags: OnionReplayTags; cards: KnownCards; surbs: OnionSurbs };
  /** Clearing rounds this node starts, takes part in or coordinates (src/node/clearing/). */
  clearing: ClearingRounds;
  /** Federated budgets this node owns or holds rights in (src/node/budgets/). */
  budgets: Budgets;
  /** The budgets principals' relayed calls are charged to (src/node/budgets/call-charges.ts). */
  charges: CallCharges;
  /** The shared blackboard (src/node/blackboard/): this node's replicas, their replication, session tokens. */
  blackboard: BlackboardParts;
  /** The blackboard's strong consistency: keys ordered by their home, committed by a majority (src/node/blackboard/strong.ts). */
  strong: { board: StrongBlackboard; namespaces: StrongNamespaces };
}

