// Which active peers the ledger is reconciled with on the tick. Each peer follows its own schedule
// (the operator's for it, else LEDGER_RECONCILE_SCHEDULE), judged from its last run in the store:
// the due peers least recently tried go first, at most LEDGER_RECONCILE_PER_TICK of them, so that
// a month's first tick does not reconcile with every peer at once. A peer whose reconciliation
// failed is tried again after a wait that doubles with each failure. Reconciling by hand counts as
// the period's run.
import type { Schedule } from "../schedules/schedule.ts";
import { isDue, nextDue, retryWait } from "../schedules/schedule.ts";
import type { Database } from "../../store/database.ts";
import { listPeers } from "../../store/peers.ts";
import { clearReconcileSchedule, reconcileSchedulesOf, ScheduleRuns, setReconcileSchedule, type ScheduleRun } from "../../store/schedules.ts";
import type { Config } from "../settings/config.ts";
import type { LedgerReconciler, ReconcileReport } from "./reconciliation.ts";

/** The job's name in `schedule_runs`; subjects are peer ids. */
export const RECONCILE_JOB = "ledger-reconcile";

export interface ReconcileSchedulePort {
  /** Active peers' node ids. */
  activePeers(): Promise<string[]>;
  /** Schedules the operator set per peer. */
  ownSchedules(): Promise<Map<string, Schedule>>;
  /** Sets a peer's own schedule; null: back to the default. */
  setOwn(peer: string, schedule: Schedule | null): Promise<void>;
  runs: ScheduleRuns;
  reconcile(peer: string): Promise<ReconcileReport>;
  config: { schedule: Schedule; perTick: number };
  now(): number;
}

/** A peer's reconciliation as the operator sees it. */
export interface PeerReconcileSchedule {
  peer: string;
  schedule: Schedule;
  /** Whether the operator set it for this peer (else the default). */
  own: boolean;
  lastRunAt: number | null;
  lastAttemptAt: number | null;
  failures: number;
  lastError: string | null;
  /** When the tick may next reconcile with it (now or earlier: due); null: only by hand. */
  nextDueAt: number | null;
}

export type PeerReconcileOutcome = { peer: string; reconciled: ReconcileReport } | { peer: string; error: string };

/** The tick's part: the due peers counted, and those reconciled this tick. */
export interface ReconcileTickReport {
  due: number;
  peers: PeerReconcileOutcome[];
}

export class ReconcileScheduler {
  constructor(private readonly p: ReconcileSchedulePort) {}

  /** Every active peer's schedule and runs, by peer id. */
  async list(): Promise<PeerReconcileSchedule[]> {
    const now = this.p.now();
    const peers = (await this.p.activePeers()).sort();
    const [own, runs] = await Promise.all([this.p.ownSchedules(), this.p.runs.of(peers)]);
    return peers.map((peer) => {
      const schedule = own.get(peer) ?? this.p.config.schedule;
      const run = runs.get(peer);
      return {
        peer,
        schedule,
        own: own.has(peer),
        lastRunAt: run?.lastRunAt ?? null,
        lastAttemptAt: run?.lastAttemptAt ?? null,
        failures: run?.failures ?? 0,
        lastError: run?.lastError ?? null,
        nextDueAt: dueAt(schedule, run, now),
      };
    });
  }

  /** The operator's choice for `peer`: its own schedule, or `default` for LEDGER_RECONCILE_SCHEDULE. */
  async choose(peer: string, schedule: Schedule | "default"): Promise<void> {
    await this.p.setOwn(peer, schedule === "default" ? null : schedule);
  }

  /** The peers due now, least recently tried first (never tried before any). */
  async due(): Promise<string[]> {
    const now = this.p.now();
    const due = (await this.list()).filter((s) => s.nextDueAt !== null && s.nextDueAt <= now);
    return due.sort((a, b) => (a.lastAttemptAt ?? -1) - (b.lastAttemptAt ?? -1) || (a.peer < b.peer ? -1 : 1)).map((s) => s.peer);
  }

  /** Reconciles with the first due peers, one after another; a failure is reported, never thrown. */
  async tick(): Promise<ReconcileTickReport> {
    const due = await this.due();
    const peers: PeerReconcileOutcome[] = [];
    for (const peer of due.slice(0, this.p.config.perTick)) {
      try {
        peers.push({ peer, reconciled: await this.run(peer) });
      } catch (err) {
        peers.push({ peer, error: String(err) });
      }
    }
    return { due: due.length, peers };
  }

  /** Reconciles with `peer` now, whatever its schedule, and records the run; throws what reconciliation threw. */
  async run(peer: string): Promise<ReconcileReport> {
    try {
      const report = await this.p.reconcile(peer);
      await this.p.runs.succeeded(peer, this.p.now());
      return report;
    } catch (err) {
      await this.p.runs.failed(peer, this.p.now(), String(err));
      throw err;
    }
  }
}

function dueAt(schedule: Schedule, run: ScheduleRun | undefined, now: number): number | null {
  const next = nextDue(schedule, run?.lastRunAt ?? undefined, now);
  if (next === null || !run || run.failures === 0) return next;
  // A failure waits before its retry, but never past when the schedule would run it anyway.
  const retry = run.lastAttemptAt + retryWait(run.failures);
  return isDue(schedule, run.lastRunAt ?? undefined, now) ? Math.max(next, retry) : next;
}

/** The scheduler over a node's store and reconciler. */
export function reconcileScheduler(s: { db: Database; config: Pick<Config, "reconcile">; ledgerSync: Pick<LedgerReconciler, "reconcileWith"> }, reconcile: (peer: string) => Promise<ReconcileReport> = (peer) => s.ledgerSync.reconcileWith(peer)): ReconcileScheduler {
  return new ReconcileScheduler({
    activePeers: async () => (await listPeers(s.db)).filter((p) => p.state === "active").map((p) => p.nodeId),
    ownSchedules: () => reconcileSchedulesOf(s.db),
    setOwn: async (peer, schedule) => {
      if (schedule === null) await clearReconcileSchedule(s.db, peer);
      else await setReconcileSchedule(s.db, peer, schedule);
    },
    runs: new ScheduleRuns(s.db, RECONCILE_JOB),
    reconcile,
    config: s.config.reconcile,
    now: Date.now,
  });
}
