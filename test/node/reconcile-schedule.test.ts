// Ledger reconciliation on schedules (src/node/ledger/reconcile-schedule.ts), with a clock the test
// moves: four in-process ledger nodes on real libSQL files, A reconciling with B, C and D through
// their real reconcilers. Due-ness comes from the runs stored in A's database alone.
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { quoteOf } from "../../src/protocol/ledger/pricing.ts";
import { countersign, signIntent, signReceipt } from "../../src/protocol/ledger/signing.ts";
import { ReconcileScheduler, RECONCILE_JOB } from "../../src/node/ledger/reconcile-schedule.ts";
import type { LedgerHandlers } from "../../src/node/ledger/reconciliation.ts";
import { ConfigError, loadConfig } from "../../src/node/settings/config.ts";
import { retryWait, type Schedule } from "../../src/node/schedules/schedule.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { clearReconcileSchedule, reconcileSchedulesOf, ScheduleRuns, setReconcileSchedule } from "../../src/store/schedules.ts";
import { ed25519TestSigner, TestKeyring } from "../support/ed25519.ts";
import { ledgerNode, type LedgerNode } from "../support/ledger.ts";

const TOOL = { id: "p/demo/echo", fingerprint: `sha256:${"cd".repeat(32)}` };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Wednesday 2026-12-30, 10:00 UTC: the next day is a Thursday, the month ends the day after.
const WEDNESDAY = Date.UTC(2026, 11, 30, 10);

let a: LedgerNode;
let others: LedgerNode[];
let keys: TestKeyring;
let directory: Map<string, LedgerHandlers>;
let clock: number;
let reconciled: string[];

beforeEach(async () => {
  const ids = await Promise.all([0, 1, 2, 3].map(() => ed25519TestSigner()));
  keys = new TestKeyring().add(...ids);
  directory = new Map();
  a = await ledgerNode(ids[0]!.signer, keys, directory);
  others = [];
  for (const id of ids.slice(1)) others.push(await ledgerNode(id.signer, keys, directory));
  // By id, as the scheduler orders peers never tried.
  others.sort((x, y) => (x.id < y.id ? -1 : 1));
  clock = WEDNESDAY;
  reconciled = [];
});

afterEach(() => {
  for (const n of [a, ...others]) n.close();
});

function scheduler(schedule: Schedule, perTick = 1): ReconcileScheduler {
  return new ReconcileScheduler({
    activePeers: async () => others.map((n) => n.id),
    ownSchedules: () => reconcileSchedulesOf(a.db()),
    setOwn: (peer, s) => (s === null ? clearReconcileSchedule(a.db(), peer).then(() => undefined) : setReconcileSchedule(a.db(), peer, s)),
    runs: new ScheduleRuns(a.db(), RECONCILE_JOB),
    reconcile: async (peer) => {
      reconciled.push(peer);
      return a.reconciler.reconcileWith(peer);
    },
    config: { schedule, perTick },
    now: () => clock,
  });
}

const name = (id: string) => ["B", "C", "D"][others.findIndex((n) => n.id === id)];
async function tickNames(s: ReconcileScheduler): Promise<string[]> {
  const report = await s.tick();
  return report.peers.map((p) => `${name(p.peer)}${"error" in p ? "!" : ""}`);
}

describe("reconciliation schedules", () => {
  it("every tick: one peer per tick by default, the least recently reconciled first", async () => {
    const s = scheduler("tick");
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      order.push(...(await tickNames(s)));
      clock += MINUTE;
    }
    expect(order).toEqual(["B", "C", "D", "B", "C", "D"]);
  });

  it("daily: once per UTC day, at most LEDGER_RECONCILE_PER_TICK a tick; the next day's first tick runs them again", async () => {
    const s = scheduler("daily", 2);
    expect((await s.tick()).due).toBe(3);
    expect(reconciled.map(name)).toEqual(["B", "C"]);
    clock += MINUTE;
    expect(await tickNames(s)).toEqual(["D"]);
    // The rest of the day: nothing is due.
    for (const later of [MINUTE, 6 * HOUR, 13 * HOUR]) {
      clock = WEDNESDAY + later;
      expect(await s.tick()).toEqual({ due: 0, peers: [] });
    }
    // Thursday 00:00 UTC: due again, whenever the last run was on Wednesday.
    clock = Date.UTC(2026, 11, 31);
    expect(await tickNames(s)).toEqual(["B", "C"]);
    const listed = await s.list();
    expect(listed.find((p) => name(p.peer) === "D")).toMatchObject({ schedule: "daily", own: false, nextDueAt: clock, lastRunAt: WEDNESDAY + MINUTE });
    expect(listed.find((p) => name(p.peer) === "B")).toMatchObject({ lastRunAt: clock, nextDueAt: Date.UTC(2027, 0, 1) });
  });

  it("weekly runs again on Monday, monthly on the 1st, whatever the gap; a node back after a long stop runs once", async () => {
    const weekly = scheduler("weekly", 3);
    expect((await weekly.tick()).peers).toHaveLength(3);
    clock = Date.UTC(2027, 0, 3, 23, 59); // Sunday
    expect((await weekly.tick()).due).toBe(0);
    clock = Date.UTC(2027, 0, 4); // Monday
    expect((await weekly.tick()).peers).toHaveLength(3);

    const monthly = scheduler("monthly", 3);
    reconciled = [];
    clock = Date.UTC(2027, 0, 31, 23);
    expect((await monthly.tick()).due).toBe(0); // run on January 4th
    clock = Date.UTC(2027, 1, 1);
    expect((await monthly.tick()).peers).toHaveLength(3);
    // Six months without a tick: one run, not six.
    clock = Date.UTC(2027, 7, 15);
    expect((await monthly.tick()).peers).toHaveLength(3);
    clock += HOUR;
    expect((await monthly.tick()).due).toBe(0);
    expect(reconciled).toHaveLength(6);
  });

  it("a peer's own schedule overrides the default; manual peers are reconciled only by hand, which counts as the period's run", async () => {
    const s = scheduler("daily", 3);
    const [b, c, d] = others.map((n) => n.id);
    await s.choose(b!, "manual");
    await s.choose(c!, "weekly");
    expect((await s.list()).map((p) => [name(p.peer), p.schedule, p.own, p.nextDueAt])).toEqual([
      ["B", "manual", true, null],
      ["C", "weekly", true, clock],
      ["D", "daily", false, clock],
    ]);
    expect(await tickNames(s)).toEqual(["C", "D"]);
    // By hand: B, whose schedule never runs it, and D, already run today.
    await s.run(b!);
    clock = Date.UTC(2026, 11, 31, 9);
    await s.run(d!);
    clock = Date.UTC(2026, 11, 31, 12);
    expect(await s.tick()).toEqual({ due: 0, peers: [] });
    // C's weekly run was this week; back to the default (daily), it ran before today: due.
    await s.choose(c!, "default");
    expect(await tickNames(s)).toEqual(["C"]);
    expect(await reconcileSchedulesOf(a.db())).toEqual(new Map([[b!, "manual"]]));
  });

  it("a failed peer waits before its retry, longer after each failure, and the others are not held up", async () => {
    const s = scheduler("tick", 1);
    const d = others[2]!;
    directory.delete(d.id);
    // Pass B and C first, so that D is the least recently tried.
    expect([...(await tickNames(s)), ...(await tickNames(s))]).toEqual(["B", "C"]);
    clock += MINUTE;
    expect(await tickNames(s)).toEqual(["D!"]);
    const failedAt = clock;
    expect((await s.list())[2]).toMatchObject({ failures: 1, lastAttemptAt: failedAt, nextDueAt: failedAt + retryWait(1) });
    expect((await s.list())[2]!.lastError).toMatch(/unreachable/);
    // Within its wait, the tick goes on with the others.
    clock += 30_000;
    expect([...(await tickNames(s)), ...(await tickNames(s))]).toEqual(["B", "C"]);
    clock = failedAt + retryWait(1);
    expect(await tickNames(s)).toEqual(["D!"]);
    expect((await s.list())[2]).toMatchObject({ failures: 2, nextDueAt: clock + retryWait(2) });
    expect(retryWait(2)).toBe(2 * retryWait(1));
    expect(retryWait(40)).toBe(6 * HOUR);
    // Back: one success clears the count. B and C were tried longer ago, so they go first.
    directory.set(d.id, d.reconciler);
    clock += retryWait(2);
    expect([...(await tickNames(s)), ...(await tickNames(s)), ...(await tickNames(s))]).toEqual(["B", "C", "D"]);
    expect((await s.list())[2]).toMatchObject({ failures: 0, lastError: null, lastRunAt: clock });
  });

  it("a scheduled run brings back what A lost, and records that arrive later wait for the next period", async () => {
    const b = others[0]!;
    const records = [];
    for (let i = 0; i < 3; i++) {
      const intent = await signIntent(a.signer, { provider: b.id, tool: TOOL, params: { i }, price: quoteOf({ model: "per_call", amount: 5, unit: "credit" }), requestedAt: 1_000 + i });
      const receipt = await signReceipt(b.signer, intent, { result: i, durationMs: 1, completedAt: 1_002 + i });
      const confirmed = await countersign(a.signer, keys, intent, receipt, 1_000);
      await a.ledger.receive(confirmed, null);
      await b.ledger.receive(confirmed, a.id);
      records.push(confirmed);
    }
    await a.db().run(sql`DELETE FROM ledger_records WHERE id = ${records[1]!.intent.id}`);
    const s = scheduler("daily", 3);
    const report = await s.tick();
    expect(report.peers.find((p) => p.peer === b.id)).toMatchObject({ reconciled: { received: 1, refused: 0 } });
    expect((await a.ledger.get(records[1]!.intent.id))?.status).toBe("confirmed");
    await a.db().run(sql`DELETE FROM ledger_records WHERE id = ${records[2]!.intent.id}`);
    clock += HOUR;
    await s.tick();
    expect(await a.ledger.get(records[2]!.intent.id)).toBeUndefined();
    clock = Date.UTC(2026, 11, 31, 0, 1);
    await s.tick();
    expect((await a.ledger.get(records[2]!.intent.id))?.status).toBe("confirmed");
  });
});

describe("LEDGER_RECONCILE_SCHEDULE and LEDGER_RECONCILE_PER_TICK", () => {
  const base = { ADMIN_TOKEN: "test-admin-token-0123456789", NODE_SEED: newSeed() };
  it("default to every tick, one peer; take the schedules and a bound", () => {
    expect(loadConfig(base).reconcile).toEqual({ schedule: "tick", perTick: 1 });
    expect(loadConfig({ ...base, LEDGER_RECONCILE_SCHEDULE: "monthly", LEDGER_RECONCILE_PER_TICK: "8" }).reconcile).toEqual({ schedule: "monthly", perTick: 8 });
  });
  it.each([
    ["LEDGER_RECONCILE_SCHEDULE", "hourly"],
    ["LEDGER_RECONCILE_SCHEDULE", "default"],
    ["LEDGER_RECONCILE_PER_TICK", "0"],
    ["LEDGER_RECONCILE_PER_TICK", "65"],
  ])("refuses %s=%s", (key, value) => {
    expect(() => loadConfig({ ...base, [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [key]: value })).toThrow(key);
  });
});
