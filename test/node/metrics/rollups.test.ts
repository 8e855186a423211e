// The per-minute rollups on a real libSQL database: two recorders (two processes) add to the same
// rows, label sets past the cap go to the overflow set, and folding old minutes keeps the totals.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { RollupFigures, bucketPercentile } from "../../../src/node/metrics/overview.ts";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { memoryDb } from "../../support/libsql.ts";
import { MetricsRecorder, MAX_LABEL_SETS, OVERFLOW_LABEL, minuteOf } from "../../../src/node/metrics/recorder.ts";
import { METRICS } from "../../../src/node/metrics/definitions.ts";
import { exposition, renderExposition } from "../../../src/node/metrics/exposition.ts";
import { counterTotals, histogramTotals, pruneMinutes, seriesTotals } from "../../../src/store/metrics.ts";

const MINUTE = 60_000;

function recorder(db: Awaited<ReturnType<typeof memoryDb>>, now: () => number) {
  const pending: Promise<unknown>[] = [];
  return { m: new MetricsRecorder({ db, defer: (p) => pending.push(p), now }), settled: () => Promise.all(pending) };
}

describe("metric rollups", () => {
  it("add every process's counts and observations to the same minute", async () => {
    const db = await memoryDb();
    const t = 1_000 * MINUTE;
    const a = recorder(db, () => t);
    const b = recorder(db, () => t + 5_000);
    for (let i = 0; i < 3; i++) a.m.count(METRICS.calls, { tool: "echo", peer: "", outcome: "ok" });
    b.m.count(METRICS.calls, { tool: "echo", peer: "", outcome: "ok" }, 4);
    a.m.observe(METRICS.callDuration, { tool: "echo", peer: "" }, 7);
    b.m.observe(METRICS.callDuration, { tool: "echo", peer: "" }, 30_000);
    await Promise.all([a.settled(), b.settled()]);
    expect(await counterTotals(db)).toEqual([{ name: "mcpfed_calls_total", labels: '{"tool":"echo","peer":"","outcome":"ok"}', value: 7 }]);
    const [h] = await histogramTotals(db);
    expect(h!.count).toBe(2);
    expect(h!.sum).toBe(30_007);
    expect(h!.buckets[1]).toBe(1); // 7 ms: above 5, at most 10
    expect(h!.buckets.reduce((x, y) => x + y, 0)).toBe(1); // 30 s is only in +Inf
  });

  it("cap the label sets of one metric per minute, store-wide, and send the rest to the overflow set", async () => {
    const db = await memoryDb();
    const t = 2_000 * MINUTE;
    const a = recorder(db, () => t);
    const b = recorder(db, () => t);
    for (let i = 0; i < MAX_LABEL_SETS; i++) a.m.count(METRICS.gossipRejections, { reason: `r${i}` });
    await a.m.flush();
    for (let i = 0; i < 10; i++) b.m.count(METRICS.gossipRejections, { reason: `new${i}` });
    b.m.count(METRICS.gossipRejections, { reason: "r0" }); // a label set the minute holds still counts as itself
    await b.m.flush();
    const rows = await counterTotals(db);
    expect(rows).toHaveLength(MAX_LABEL_SETS + 1);
    expect(rows.find((r) => r.labels === JSON.stringify({ reason: OVERFLOW_LABEL }))?.value).toBe(10);
    expect(rows.find((r) => r.labels === JSON.stringify({ reason: "r0" }))?.value).toBe(2);
    // The next minute starts with room again.
    const c = recorder(db, () => t + MINUTE);
    c.m.count(METRICS.gossipRejections, { reason: "later" });
    await c.m.flush();
    expect((await counterTotals(db)).some((r) => r.labels === JSON.stringify({ reason: "later" }))).toBe(true);
    // The running totals took each increment under the label set its minute did.
    expect((await seriesTotals(db)).counters).toEqual(await counterTotals(db));
  });

  it("keep running totals equal to the minutes' sums; pruning old minutes leaves them, so the exposed counters never go down", async () => {
    const db = await memoryDb();
    const t = 3_000 * MINUTE;
    for (const [at, n] of [[t, 2], [t + MINUTE, 3], [t + 10 * MINUTE, 5]] as const) {
      const r = recorder(db, () => at);
      r.m.count(METRICS.calls, { tool: "echo", peer: "", outcome: "ok" }, n);
      r.m.observe(METRICS.callDuration, { tool: "echo", peer: "" }, 40 * n);
      await r.m.flush();
    }
    const before = await renderExposition(db);
    expect(exposition(await counterTotals(db), await histogramTotals(db))).toBe(before);
    await pruneMinutes(db, minuteOf(t + 5 * MINUTE));
    await pruneMinutes(db, minuteOf(t + 5 * MINUTE)); // nothing more to prune
    expect(await renderExposition(db)).toBe(before);
    const minutes = await db.all<{ minute: number }>(sql`SELECT minute FROM metric_counters ORDER BY minute`);
    expect(minutes.map((r) => Number(r.minute))).toEqual([minuteOf(t + 10 * MINUTE)]);
    const families = parsePrometheusTextFormat(before);
    const calls = families.find((f) => f.name === "mcpfed_calls_total")!;
    expect(calls.type).toBe("COUNTER");
    expect(calls.metrics).toEqual([{ labels: { tool: "echo", peer: "", outcome: "ok" }, value: "10" }]);
    const duration = families.find((f) => f.name === "mcpfed_call_duration_seconds")!;
    expect(duration.type).toBe("HISTOGRAM");
    // This parser folds a labelled histogram into its buckets alone (docs/testing.md): count and sum are read from the text.
    expect(duration.metrics[0]!.buckets).toMatchObject({ "0.05": "0", "0.1": "1", "0.25": "3", "+Inf": "3" });
    expect(before).toContain('mcpfed_call_duration_seconds_count{tool="echo",peer=""} 3\n');
    expect(before).toContain('mcpfed_call_duration_seconds_sum{tool="echo",peer=""} 0.4\n');
  });
});

describe("the overview's figures from the rollups", () => {
  it("give calls per minute, the error rate and percentiles over the window only", async () => {
    const db = await memoryDb();
    const now = 5_000 * MINUTE + 30_000;
    const old = recorder(db, () => now - 20 * MINUTE);
    old.m.count(METRICS.calls, { tool: "echo", peer: "", outcome: "ok" }, 100);
    await old.m.flush();
    const r = recorder(db, () => now);
    for (let i = 0; i < 8; i++) {
      r.m.count(METRICS.calls, { tool: "echo", peer: "", outcome: "ok" });
      r.m.observe(METRICS.callDuration, { tool: "echo", peer: "" }, 20);
    }
    r.m.count(METRICS.calls, { tool: "sum", peer: "p1", outcome: "timeout" }, 2);
    r.m.observe(METRICS.callDuration, { tool: "sum", peer: "p1" }, 3000);
    r.m.observe(METRICS.callDuration, { tool: "sum", peer: "p1" }, 4000);
    await r.m.flush();
    const f = await new RollupFigures(db).calls(now, 5);
    expect(f.calls).toBe(10);
    expect(f.callsPerMinute).toBe(2);
    expect(f.errorRate).toBeCloseTo(0.2);
    expect(f.perMinute.map((m) => m.calls)).toEqual([0, 0, 0, 0, 10]);
    expect(f.perMinute[4]!.errors).toBe(2);
    expect(f.perMinute[4]!.minute).toBe(5_000 * MINUTE);
    expect(f.p50Ms).toBeGreaterThan(10);
    expect(f.p50Ms).toBeLessThanOrEqual(25);
    expect(f.p99Ms).toBeGreaterThan(2500);
    expect(f.p99Ms).toBeLessThanOrEqual(5000);
    expect(f.perTool.map((t) => [t.tool, t.calls, t.errors])).toEqual([["echo", 8, 0], ["sum", 2, 2]]);
    expect(f.latencySample).toBe(10);
    // Local calls (peer "") are no peer's: only p1, its two slow calls.
    const peers = await new RollupFigures(db).peers(now, 5);
    expect(peers.map((p) => [p.peer, p.calls])).toEqual([["p1", 2]]);
    expect(peers[0]!.p50Ms).toBeGreaterThan(2500);
    expect(peers[0]!.p99Ms).toBeLessThanOrEqual(5000);
  });

  it("read the current minutes on every view and a settled minute once", async () => {
    const db = await memoryDb();
    const now = 7_000 * MINUTE + 30_000;
    const call = (at: number, tool: string) => {
      const r = recorder(db, () => at);
      r.m.count(METRICS.calls, { tool, peer: "", outcome: "ok" });
      r.m.observe(METRICS.callDuration, { tool, peer: "" }, 20);
      return r.m.flush();
    };
    await call(now - 10 * MINUTE, "old");
    const figures = new RollupFigures(db);
    expect((await figures.calls(now, 60)).calls).toBe(1);
    // Another process adds a call now: the next view counts it.
    await call(now, "echo");
    expect((await figures.calls(now, 60)).perTool.map((t) => t.tool).sort()).toEqual(["echo", "old"]);
    // A settled minute is not read again (its rows no longer change once settled).
    await call(now - 10 * MINUTE, "late");
    expect((await figures.calls(now, 60)).calls).toBe(2);
    expect((await new RollupFigures(db).calls(now, 60)).calls).toBe(3);
    // The window moves on: minutes that leave it stop counting.
    expect((await figures.calls(now + 55 * MINUTE, 60)).perTool.map((t) => t.tool)).toEqual(["echo"]);
  });

  it("read a minute that just ended until a minute after its end, then keep it", async () => {
    const db = await memoryDb();
    const now = 8_000 * MINUTE + 45_000;
    const call = (at: number, tool: string) => {
      const r = recorder(db, () => at);
      r.m.count(METRICS.calls, { tool, peer: "", outcome: "ok" });
      return r.m.flush();
    };
    await call(now - 50_000, "early");
    const figures = new RollupFigures(db);
    expect((await figures.calls(now, 60)).calls).toBe(1);
    // Another process's flush of the minute before lands 45 s after it ended: still counted.
    await call(now - 50_000, "late");
    expect((await figures.calls(now, 60)).perTool.map((t) => t.tool)).toEqual(["early", "late"]);
    expect((await figures.calls(now + 20_000, 60)).calls).toBe(2);
    // Past the margin the minute is kept: a write landing after it no longer shows in this process.
    await call(now - 50_000, "too late");
    expect((await figures.calls(now + 20_000, 60)).calls).toBe(2);
  });

  it("give the same figures from the sums a process keeps as from a fresh read, as the window moves", async () => {
    const db = await memoryDb();
    const start = 9_000 * MINUTE;
    const kept = new RollupFigures(db);
    const outcomes = ["ok", "ok", "tool_error", "cache_hit", "timeout"];
    for (let step = 0; step < 90; step++) {
      const now = start + step * 20_000;
      const r = recorder(db, () => now);
      for (let i = 0; i < 1 + (step % 4); i++) {
        const tool = `t${(step + i) % 7}`;
        const peer = (step + i) % 3 === 0 ? "p1" : (step + i) % 3 === 1 ? "p2" : "";
        r.m.count(METRICS.calls, { tool, peer, outcome: outcomes[(step * 3 + i) % outcomes.length]! });
        r.m.observe(METRICS.callDuration, { tool, peer }, (step * 37 + i * 11) % 3000);
      }
      await r.m.flush();
      for (const window of [5, 60]) {
        const fresh = new RollupFigures(db);
        expect(await kept.calls(now, window)).toEqual(await fresh.calls(now, window));
        expect(await kept.peers(now, window)).toEqual(await fresh.peers(now, window));
      }
    }
    const last = await kept.calls(start + 89 * 20_000, 60);
    expect(last.calls).toBeGreaterThan(100);
    expect(last.perTool.length).toBe(7);
  });

  it("estimate a percentile inside its bucket, and none without observations", () => {
    expect(bucketPercentile([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 0.5)).toBeNull();
    // 4 observations in (50, 100]: the median is half way through that bucket.
    expect(bucketPercentile([0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0], 4, 0.5)).toBe(75);
  });
});
