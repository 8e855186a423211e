// The scheduled hook: a Workers cron trigger, Deno.cron, or a timer on Node. It refreshes every
// upstream's catalog (counting each refresh in the metrics), prunes old metric minutes (and moves the console's kept call window), prunes expired authorization state, forgets retired encryption keys and
// expired envelope ids, and says hello to peers that have not heard this node's current signing
// key, peers with the bootstrap nodes it has not met, publishes (or withdraws) its card as a
// node entry, gossips with one peer, delivers and collects countersignatures of relayed calls,
// repairs each blackboard namespace with one of its replicas, reconciles the ledger with the
// peers due on their schedules, and recomputes trust scores from the evidence gathered
// (publishing them as assertions when TRUST_PUBLISH asks); then quarantines the nodes trusted
// warners warn of, lets in the pending peers that earned it (PEER_POLICY=trust), asks the
// processor again about settlements it holds pending as payee, and makes the scheduled backup when
// one is due (BACKUP_SCHEDULE).
import type { TickReport as GossipTickReport } from "./gossip/gossip.ts";
import { reconcileScheduler, type ReconcileTickReport } from "./ledger/reconcile-schedule.ts";
import type { CheckpointReport } from "./ledger/checkpoints.ts";
import { log } from "./logging/log.ts";
import { deliverCountersigns, pushOutbox, type DeliveryReport } from "./relay/countersigns.ts";
import { LeaseLost, TickLease, type HeldLease } from "./tick-lease.ts";
import { TickLeaseStore } from "../store/tick-lease.ts";
import { renewPeerLeases } from "./relay/resource-lease-consumer.ts";
import { pruneMessages } from "../store/mailbox.ts";
import { PeerRequestError } from "./federation-client/errors.ts";
import { announce, bootstrap, type BootstrapResult } from "./peers/hello.ts";
import type { Services } from "./services.ts";
import { refreshAll, type RefreshResult } from "./upstreams/refresh.ts";
import { MAX_ASSERTIONS, publishAssertions, type AssertionReport } from "./trust/assertions.ts";
import type { RecomputeReport } from "./trust/scores.ts";
import { verifyDomains, type DomainTickReport } from "./peers/domains.ts";
import { applyWarnings } from "./trust/warnings.ts";
import { promoteEarned, type Promotion } from "./peers/promotion.ts";
import { rotateIssuerKeys } from "./tokens/issuer-keys.ts";
import { checkThresholds, type ThresholdAction } from "./ledger/settlement/thresholds.ts";
import { RECHECK_JOB, RECHECK_PER_TICK, type RecheckReport } from "./ledger/settlement/settlements.ts";
import { ScheduleRuns } from "../store/schedules.ts";
import type { RepairReport } from "./blackboard/replication.ts";
import { METRICS } from "./metrics/definitions.ts";
import { minuteOf } from "./metrics/recorder.ts";
import { pruneMinutes } from "../store/metrics.ts";
import { pruneCallMinutes } from "../store/call-window.ts";
import { KEPT_WINDOW_MINUTES } from "./metrics/overview.ts";
import type { IndexTickReport } from "./discovery/discovery.ts";
import { scheduledBackup, type BackupTickReport } from "./backup/schedule.ts";
import { evaluateAlerts, type AlertTickReport } from "./alerts/alerts.ts";
import { deliverAlerts, type WebhookTickReport } from "./alerts/webhook.ts";

import { depositKept } from "./backup/deposits.ts";
import { currentOwnIndex } from "./packages/own-index.ts";
import { identitySigner } from "./registry/node-keys.ts";
import { announceForwarding } from "./routes/forwarded/announcement.ts";
import { sendCover, type CoverTickReport } from "./routes/onion/cover.ts";

export interface TickReport {
  at: string;
  /** The lease this tick ran under (src/node/tick-lease.ts): which instance, its fence, the scheduled period. */
  lease: { holder: string; fence: number; period?: number };
  durationMs: number;
  upstreams: RefreshResult[];
  bootstrap: BootstrapResult[];
  gossip: GossipTickReport;
  countersigns: DeliveryReport;
  checkpoints: CheckpointReport;
  ledger: LedgerTickReport;
  /** Peers whose card URL host was checked (src/node/trust/domains.ts). */
  domains: DomainTickReport;
  trust: TrustTickReport;
  privileges: PrivilegesTickReport;
  /** Budgets synced with their members (src/node/budgets/budgets.ts). */
  budgets: { budgets: number; synced: number; failed: number } | { error: string };
  /** Token issuer keys held after rotation, and whether a new one was made (src/node/tokens/issuer-keys.ts). */
  tokens: { keys: number; made: boolean } | { error: string };
  /** Clearing rounds' due steps, the schedule (src/node/clearing/). */
  clearing: { ok: true } | { error: string };
  /** Payment thresholds crossed this tick, and what was done (src/node/ledger/settlement/thresholds.ts). */
  thresholds: ThresholdsTickReport;
  /** The payee's pending settlements asked about again, and those found paid (src/node/ledger/settlement/settlements.ts). */
  settlements: RecheckReport | { error: string };
  /** Each blackboard namespace held here, repaired with one of its other replicas in turn. */
  blackboard: (RepairReport | { namespace: string; peer: string; error: string })[];
  /** Each pending feature's adoption, and whether it is on (src/node/peers/feature-activation.ts). */
  features: { feature: string; adoption: number; active: boolean }[] | { error: string };
  /** This node's index records republished where due, and others' expired ones pruned (src/node/discovery/). */
  index: IndexTickReport | { error: string };
  /** This node's package index (§18.4): its sequence, and whether it was re-signed this tick; null when it publishes no package. */
  packageIndex: { seq: number; signed: boolean } | null | { error: string };
  /** The scheduled backup made this tick, if one was due (BACKUP_SCHEDULE; src/node/backup/schedule.ts). */
  backup: BackupTickReport;
  /** Cover packets of the anonymous route sent this tick (ONION_COVER_PER_MINUTE; src/node/routes/onion/cover.ts). */
  cover: CoverTickReport | { error: string };
  /** The alert rules evaluated over the rollups and state after this tick's work, and the webhook's deliveries (src/node/alerts/). */
  alerts: (AlertTickReport & { webhook: WebhookTickReport }) | { error: string };
}

/** How many nodes the warnings count against, which were newly quarantined, and which pending peers were let in. */
export type PrivilegesTickReport = { warned: number; quarantined: string[]; promoted: Promotion[] } | { error: string };

export type TrustTickReport = (RecomputeReport & { assertions?: AssertionReport }) | { error: string };

/** How many peers were due for ledger reconciliation, and each reconciled this tick with its outcome. */
export type LedgerTickReport = ReconcileTickReport | { error: string };

export type ThresholdsTickReport = { actions: ThresholdAction[] } | { error: string };

export type Tick = () => Promise<TickReport>;

/** What an instance did on a scheduled tick whose node-wide work another instance holds. */
export interface InstanceTickReport {
  at: string;
  holder: string;
  /** This process's outbox of countersignatures. */
  countersigns: DeliveryReport;
}

export interface Ticks {
  /** The runtime's schedule: the node-wide work once per period across all instances, this instance's own always. */
  scheduled: () => Promise<TickReport | InstanceTickReport>;
  /** The operator's: waits for the lease (a bounded time) and runs the node-wide work; TickBusy if it stays held. */
  now: Tick;
  /** A process's first: the node-wide work unless another instance is doing it now, whatever the period. */
  atStart: () => Promise<TickReport | InstanceTickReport>;
  /** Lets go of a lease this process holds: it is stopping, and another instance need not wait for it to expire. */
  release: () => Promise<void>;
}

export class TickBusy extends Error {
  constructor() {
    super("another instance of this node holds the tick lease");
  }
}

/** Payment thresholds: pays or alerts where this node's debt passed one; a failure is reported, never thrown. */
async function thresholdsTick(s: Services): Promise<ThresholdsTickReport> {
  try {
    const { thresholds, settlements, adapter } = s.settlement;
    const audit = (entry: Parameters<typeof s.access.audit.append>[0]) => s.access.audit.append(entry);
    return { actions: await checkThresholds({ self: s.nodeId, ledger: s.ledger, thresholds, settlements, adapter, audit, now: () => Date.now() }) };
  } catch (err) {
    log.warn("ledger.thresholds_failed", { error: String(err) });
    return { error: String(err) };
  }
}

/** Reconciles with the active peers whose schedule makes them due (ledger/reconcile-schedule.ts); a failure is reported, never thrown. */
async function reconcileLedger(s: Services): Promise<LedgerTickReport> {
  const scheduler = reconcileScheduler(s, async (peer) => {
    try {
      return await s.ledgerSync.reconcileWith(peer);
    } catch (err) {
      // A peer that did not answer is evidence of its uptime (trust is recomputed after this).
      if (err instanceof PeerRequestError && (err.code === "unreachable" || err.code === "timeout")) s.trust.observed.unanswered(peer);
      log.warn("ledger.tick_failed", { peer, error: String(err) });
      throw err;
    }
  });
  return scheduler.tick().catch((err: unknown) => {
    log.warn("ledger.tick_failed", { error: String(err) });
    return { error: String(err) };
  });
}

/** Recomputes trust after this tick's evidence (calls, records, reconciliation); a failure is reported, never thrown. */
async function recomputeTrust(s: Services): Promise<TrustTickReport> {
  try {
    const report = await s.trust.recompute();
    const assertions = await publishAssertions({ nodeId: s.nodeId, registry: s.registry, gossip: s.gossip, db: s.db, trust: s.config.trust }, await s.trust.list(MAX_ASSERTIONS), s.now());
    return { ...report, assertions };
  } catch (err) {
    log.warn("trust.tick_failed", { error: String(err) });
    return { error: String(err) };
  }
}

/** After the scores: warnings, then promotion, so that a node quarantined now is not let in. Never throws. */
async function applyPrivileges(s: Services): Promise<PrivilegesTickReport> {
  try {
    const warnings = await applyWarnings(s);
    // A hello names this node's URL, which must be known.
    const promoted = s.config.publicUrl ? await promoteEarned(s, s.config.publicUrl.origin) : [];
    for (const p of promoted) if (!p.ok) log.warn("promotion.hello_failed", { peer: p.id, error: p.error });
    return { ...warnings, promoted };
  } catch (err) {
    log.warn("privileges.tick_failed", { error: String(err) });
    return { error: String(err) };
  }
}

/** Evaluates the alert rules, then sends what the webhook has not taken; a failure is reported, never thrown. */
async function alertsTick(s: Services): Promise<TickReport["alerts"]> {
  try {
    const now = Date.now();
    const report = await evaluateAlerts({ db: s.db, auditKey: () => s.access.keys.audit(), audit: s.access.audit }, now);
    const webhook = await deliverAlerts({ db: s.db, outbound: s.outbound, nodeId: s.nodeId, webhook: s.config.alertWebhook }, now);
    return { ...report, webhook };
  } catch (err) {
    log.warn("alerts.tick_failed", { error: String(err) });
    return { error: String(err) };
  }
}

export function createTick(s: Services): Ticks {
  const lease = new TickLease({ store: new TickLeaseStore(s.db), tickSeconds: s.config.tickSeconds, now: Date.now });
  // Counts up from a random start: rotates through the replicas within one process, and an isolate
  // that runs a single tick (Workers) still picks any, not always the first.
  let turn = Math.floor(Math.random() * 2 ** 30);
  const run = async (held: HeldLease): Promise<TickReport> => {
    const started = Date.now();
    const [upstreams] = await Promise.all([
      refreshAll(s),
      s.access.prune().catch((err: unknown) => log.error("tick.prune_failed", { error: String(err) })),
    ]);
    await held.hold();
    for (const u of upstreams) s.metrics.count(METRICS.upstreamRefreshes, { upstream: u.name, outcome: u.ok ? "ok" : "failed" });
    await Promise.all([
      pruneMinutes(s.db, minuteOf(started) - s.config.metricsRetentionHours * 60).catch((err: unknown) => log.warn("metrics.prune_failed", { error: String(err) })),
      // The kept window moved to this minute, so that a view finds it there; its minutes kept for
      // two windows at least, so that a move after a lapse of up to one still finds the minutes leaving.
      s.overviewFigures.keep(s.now() * 1000).catch((err: unknown) => log.warn("metrics.window_failed", { error: String(err) })),
      pruneCallMinutes(s.db, minuteOf(started) - Math.max(s.config.metricsRetentionHours * 60, 2 * KEPT_WINDOW_MINUTES)).catch((err: unknown) => log.warn("metrics.prune_failed", { error: String(err) })),
      (await s.identity()).keyring.prune(s.now()), s.replay.prune(s.now()), pruneMessages(s.db, s.now()), s.onion.replayTags.prune(s.now()), s.onion.surbs.prune(s.now()), s.channels.prune(s.now(), (await s.identity()).signing.keyId)]);
    // Without PUBLIC_URL (an edge deployment) the node learns its origin from requests only;
    // there the operator announces with `mcpfed peer announce`.
    const hellos = s.config.publicUrl ? await announce(s, s.config.publicUrl.origin) : [];
    for (const h of hellos) if (!h.ok) log.warn("announce.failed", { peer: h.id, error: h.error });
    // The same limit: a hello names this node's URL, which must be known.
    const bootstrapped = s.config.publicUrl ? await bootstrap(s, s.config.bootstrapPeers, s.config.publicUrl.origin) : [];
    for (const b of bootstrapped) if (!b.ok) log.warn("bootstrap.failed", { url: b.url, error: b.error });
    // Before gossip, so that a re-signed card leaves with this tick.
    const published = await s.registry.publishCard(s.config.publicNode && s.config.publicUrl ? await (await s.card()).get(s.config.publicUrl.origin, s.now()) : null);
    // The same for the forwarder's claim: a peer gained or lost since the last tick leaves with this one.
    const forwarding = await announceForwarding(s).catch((err: unknown) => {
      log.warn("route.announce_failed", { error: String(err) });
      return [];
    });
    if (published.length > 0 || forwarding.length > 0) s.gossip.changed();
    await held.hold();
    // Pending features judged each tick, so that their hysteresis follows adoption (§20.5).
    const features = await s.features.adoption().then(
      (all) => all.map((f) => ({ feature: f.feature, adoption: Math.round(f.adoption * 1000) / 1000, active: f.active })),
      (err: unknown) => ({ error: String(err) }),
    );
    // After the card, so that the directory holds this node's current one.
    const index = await s.discovery.tick().catch((err: unknown) => {
      log.warn("index.tick_failed", { error: String(err) });
      return { error: String(err) };
    });
    // The package index, re-signed when its entries changed or half its validity passed, so that it never lapses while served.
    const packageIndex = await currentOwnIndex({ db: s.db, nodeId: s.nodeId, signer: async () => identitySigner(await s.identity()) }, Date.now()).then(
      (own) => (own ? { seq: own.index.seq, signed: own.signed } : null),
      (err: unknown) => {
        log.warn("packages.index_failed", { error: String(err) });
        return { error: String(err) };
      },
    );
    // Gossip's failures are the peers' problem, never the tick's.
    const gossip = await s.gossip.tick().catch((err: unknown): GossipTickReport => ({ collected: 0, error: String(err) }));
    if (gossip.error) log.warn("gossip.tick_failed", { error: gossip.error });
    await held.hold();
    const countersigns = await deliverCountersigns(s, s.relay.outbox);
    const checkpoints = await s.checkpoints.tick();
    // Leases at peers run MAX_LEASE_SECONDS: renewed each tick, sent on their own.
    renewPeerLeases(s);
    const blackboard = await s.blackboard.replication.tick(turn++).catch((err: unknown) => [{ namespace: "*", peer: "*", error: String(err) }]);
    await held.hold();
    const ledger = await reconcileLedger(s);
    const domains = await verifyDomains(s);
    await held.hold();
    const trust = await recomputeTrust(s);
    const privileges = await applyPrivileges(s);
    const tokens = await rotateIssuerKeys(s, Date.now()).catch((err: unknown) => {
      log.warn("tokens.tick_failed", { error: String(err) });
      return { error: String(err) };
    });
    await held.hold();
    const clearing = await s.clearing.tick().then(
      () => ({ ok: true }) as const,
      (err: unknown) => {
        log.warn("clearing.tick_failed", { error: String(err) });
        return { error: String(err) };
      },
    );
    // After reconciliation, so that a debt is judged on the records this tick brought.
    const thresholds = await thresholdsTick(s);
    const settlements = await s.settlement.settlements.recheck(new ScheduleRuns(s.db, RECHECK_JOB), RECHECK_PER_TICK).catch((err: unknown) => {
      log.warn("settlement.recheck_failed", { error: String(err) });
      return { error: String(err) };
    });
    const budgets = await s.budgets.syncAll().catch((err: unknown) => {
      log.warn("budgets.tick_failed", { error: String(err) });
      return { error: String(err) };
    });
    // Last, so that the backup holds what this tick brought.
    const backup = await scheduledBackup(s, s.now()).then(
      async (made): Promise<BackupTickReport> => (made && s.config.backup.peers !== "off" ? { made, deposits: await depositKept(s, made.id) } : { made }),
      (err: unknown) => {
        log.warn("backup.tick_failed", { error: String(err) });
        return { error: String(err) };
      },
    );
    const cover = await sendCover({ ...s, counted: (event) => s.metrics.count(METRICS.onionCover, { event }) }).catch((err: unknown) => {
      log.warn("onion.cover_failed", { error: String(err) });
      return { error: String(err) };
    });
    // The tick's own counts go now: a scheduled isolate may end with the tick.
    await s.metrics.flush();
    // After the flush, so that the rules read this process's counts too.
    const alerts = await alertsTick(s);
    const report = { at: new Date(started).toISOString(), lease: { holder: held.holder, fence: held.fence, ...(held.period === undefined ? {} : { period: held.period }) }, durationMs: Date.now() - started, upstreams, bootstrap: bootstrapped, gossip, countersigns, checkpoints, ledger, domains, trust, privileges, tokens, clearing, thresholds, settlements, budgets, blackboard, features, index, packageIndex, backup, cover, alerts };
    log.info("tick", { holder: held.holder, fence: held.fence, period: held.period, durationMs: report.durationMs, upstreams: upstreams.length, failed: upstreams.filter((u) => !u.ok).length });
    return report;
  };
  const leased = async (held: HeldLease): Promise<TickReport> => {
    try {
      return await run(held);
    } catch (err) {
      if (err instanceof LeaseLost) log.warn("tick.lease_lost", { holder: held.holder, fence: held.fence });
      throw err;
    } finally {
      await held.release();
    }
  };
  // Ticks are exclusive across instances and within one: the lease. An operator's tick that comes
  // while this process runs one shares it.
  let running: Promise<TickReport> | undefined;
  let holding: HeldLease | undefined;
  const start = (held: HeldLease) => {
    holding = held;
    return (running = leased(held).finally(() => (running = holding = undefined)));
  };
  // Another instance does the node's work now; this one's own memory is still its job.
  const ownPart = async (): Promise<InstanceTickReport> => {
    renewPeerLeases(s);
    // Whether a pending feature is on is each process's own view (§20.5).
    await s.features.adoption().catch((err: unknown) => log.warn("features.adoption_failed", { error: String(err) }));
    const countersigns = await pushOutbox(s, s.relay.outbox);
    await s.metrics.flush();
    return { at: new Date().toISOString(), holder: lease.holder, countersigns };
  };
  const leasedOrOwn = (held: HeldLease | undefined) => (held ? start(held) : ownPart());
  return {
    // A run still going here keeps its lease while it renews it; past its expiry, another instance may take the period.
    scheduled: async () => (running ? ownPart() : leasedOrOwn(await lease.forPeriod())),
    atStart: async () => leasedOrOwn(await lease.whenFree(0)),
    now: async () => {
      if (running) return running;
      const held = await lease.whenFree();
      if (!held) throw new TickBusy();
      return start(held);
    },
    release: async () => {
      await holding?.release();
    },
  };
}
