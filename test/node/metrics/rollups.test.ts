// The per-minute rollups on a real libSQL database: two recorders (two processes) add to the same
// rows, label sets past the cap go to the overflow set, and folding old minutes keeps the totals.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { RollupFigures, bucketPercentile } from "../../../src/node/metrics/overview.ts";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryDb, openDatabaseFile } from "../../support/libsql.ts";
import { MetricsRecorder, MAX_LABEL_SETS, OVERFLOW_LABEL, minuteOf } from "../../../src/node/metrics/recorder.ts";
import { METRICS } from "../../../src/node/metrics/definitions.ts";
import { exposition, renderExposition } from "../../../src/node/metrics/exposition.ts";
import { counterTotals, histogramTotals, pruneMinutes, seriesTotals } from "../../../src/store/metrics.ts";
import { moveWindow } from "../../../src/store/call-window.ts";

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

  it("count every process's writes in every reader's view, a late one too, and only the window's minutes", async () => {
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
    // The view moved the store's kept window to its minute: any reader now reads its sums.
    expect(await db.all(sql`SELECT "first", "last" FROM call_window_spans WHERE "window" = 60`)).toEqual([{ first: minuteOf(now) - 59, last: minuteOf(now) }]);
    // Another process adds a call now: the next view counts it.
    await call(now, "echo");
    expect((await figures.calls(now, 60)).perTool.map((t) => t.tool).sort()).toEqual(["echo", "old"]);
    // A write to a minute already in the kept sums, ten minutes late: every reader counts it.
    await call(now - 10 * MINUTE, "late");
    expect((await figures.calls(now, 60)).calls).toBe(3);
    expect((await new RollupFigures(db).calls(now, 60)).calls).toBe(3);
    // The window moves on: minutes that leave it stop counting.
    expect((await figures.calls(now + 55 * MINUTE, 60)).perTool.map((t) => t.tool)).toEqual(["echo"]);
  });

  it("take each minute off the kept sums as stored when it leaves, writes after it entered included", async () => {
    const db = await memoryDb();
    const now = 8_000 * MINUTE + 45_000;
    const call = (at: number, tool: string, peer = "p1") => {
      const r = recorder(db, () => at);
      r.m.count(METRICS.calls, { tool, peer, outcome: "timeout" });
      r.m.observe(METRICS.callDuration, { tool, peer }, 300);
      return r.m.flush();
    };
    const figures = new RollupFigures(db);
    await call(now, "a");
    expect((await figures.calls(now, 60)).calls).toBe(1);
    for (let i = 0; i < 3; i++) await call(now, "b");
    await call(now + MINUTE, "a");
    expect((await figures.calls(now + MINUTE, 60)).perTool.map((t) => [t.tool, t.calls, t.errors])).toEqual([["b", 3, 3], ["a", 2, 2]]);
    expect((await figures.peers(now + MINUTE, 60)).map((p) => [p.peer, p.calls])).toEqual([["p1", 5]]);
    // The first minute leaves: exactly its calls go, none below zero.
    expect((await figures.calls(now + 60 * MINUTE, 60)).perTool.map((t) => [t.tool, t.calls])).toEqual([["a", 1]]);
    // Both leave: no key is left in the kept sums.
    expect((await figures.calls(now + 61 * MINUTE, 60)).calls).toBe(0);
    expect(await db.all(sql`SELECT * FROM call_window`)).toEqual([]);
  });

  it("sum the minutes afresh once the kept sums are gone (a restore), and never put a vanished span back over no sums", async () => {
    const db = await memoryDb();
    const now = 8_500 * MINUTE + 15_000;
    const call = (at: number) => {
      const r = recorder(db, () => at);
      r.m.count(METRICS.calls, { tool: "t", peer: "", outcome: "ok" });
      return r.m.flush();
    };
    for (let i = 0; i < 10; i++) await call(now - i * MINUTE);
    expect((await new RollupFigures(db).calls(now, 60)).calls).toBe(10);
    const [span] = await db.all<{ first: number; last: number }>(sql`SELECT "first", "last" FROM call_window_spans WHERE "window" = 60`);
    // A restore deletes the derived sums; a process that read the old span just before moves it.
    await db.run(sql`DELETE FROM call_window`);
    await db.run(sql`DELETE FROM call_window_spans`);
    await moveWindow(db, 60, span!, { first: span!.first + 1, last: span!.last + 1 });
    expect(await db.all(sql`SELECT * FROM call_window_spans`)).toEqual([]);
    expect((await new RollupFigures(db).calls(now + MINUTE, 60)).calls).toBe(10);
  });

  it("keep the window's sums under the key each minute's row took, past the key cap too", async () => {
    const db = await memoryDb();
    const now = 8_500 * MINUTE + 10_000;
    const figures = new RollupFigures(db);
    expect((await figures.calls(now, 60)).calls).toBe(0); // the window is kept from here on
    // Two flushes of one minute: the first fills the cap but for ten tools, the second brings 30
    // new tools (ten keep their key, twenty go to the overflow key) and one the minute holds.
    const flush = (tools: string[]) => {
      const r = recorder(db, () => now);
      for (const tool of tools) {
        r.m.count(METRICS.calls, { tool, peer: "", outcome: "ok" }, 2);
        r.m.observe(METRICS.callDuration, { tool, peer: "" }, 20);
      }
      return r.m.flush();
    };
    await flush(Array.from({ length: MAX_LABEL_SETS - 10 }, (_, i) => `a${i}`));
    await flush([...Array.from({ length: 30 }, (_, i) => `b${i}`), "a0"]);
    const minuteRows = await db.all<{ scope: string; key: string; calls: number; count: number }>(sql`SELECT scope, key, calls, count FROM call_minutes ORDER BY scope, key`);
    const windowRows = await db.all<{ scope: string; key: string; calls: number; count: number }>(sql`SELECT scope, key, calls, count FROM call_window WHERE "window" = 60 ORDER BY scope, key`);
    expect(windowRows).toEqual(minuteRows);
    const tools = minuteRows.filter((r) => r.scope === "tool");
    expect(tools).toHaveLength(MAX_LABEL_SETS + 1);
    expect(tools.find((r) => r.key === OVERFLOW_LABEL)).toMatchObject({ calls: 40, count: 20 });
    expect(tools.find((r) => r.key === "a0")).toMatchObject({ calls: 4, count: 2 });
    expect(tools.find((r) => r.key === "b9")).toMatchObject({ calls: 2 });
    expect(tools.some((r) => r.key === "b10")).toBe(false);
    expect((await figures.calls(now, 60)).calls).toBe(2 * (MAX_LABEL_SETS - 10 + 31));
  });

  it("give every reader the sums of the raw rollups, with two processes writing and moving the window at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcpfed-rollups-"));
    const [one, two] = [await openDatabaseFile(join(dir, "node.db")), await openDatabaseFile(join(dir, "node.db"))];
    try {
      const start = 9_000 * MINUTE;
      const outcomes = ["ok", "ok", "tool_error", "cache_hit", "timeout"];
      // What the label sets of the rollups hold from a minute on, summed per tool, peer and in all.
      const expected = async (db: typeof one.db, from: number) => {
        const counts = await counterTotals(db, { fromMinute: from, names: [METRICS.calls.name] });
        const latencies = await histogramTotals(db, { fromMinute: from, names: [METRICS.callDuration.name] });
        const tools = new Map<string, [number, number, number]>();
        const peers = new Map<string, number>();
        let [calls, errors] = [0, 0];
        for (const c of counts) {
          const { tool, outcome } = JSON.parse(c.labels) as Record<string, string>;
          const t = tools.get(tool!) ?? [0, 0, 0];
          const failed = outcome === "ok" || outcome === "cache_hit" ? 0 : c.value;
          tools.set(tool!, [t[0] + c.value, t[1] + failed, t[2]]);
          calls += c.value;
          errors += failed;
        }
        for (const h of latencies) {
          const { tool, peer } = JSON.parse(h.labels) as Record<string, string>;
          tools.get(tool!)![2] += h.count;
          if (peer) peers.set(peer, (peers.get(peer) ?? 0) + h.count);
        }
        return { calls, errors, tools: [...tools].sort(), peers: [...peers].sort() };
      };
      const shown = (f: Awaited<ReturnType<RollupFigures["calls"]>>, p: Awaited<ReturnType<RollupFigures["peers"]>>) => ({
        calls: f.calls,
        errors: Math.round(f.errorRate * f.calls),
        tools: f.perTool.map((t): [string, [number, number, number]] => [t.tool, [t.calls, t.errors, t.calls]]).sort(),
        peers: p.map((x): [string, number] => [x.peer, x.calls]).sort(),
      });
      const readers = [new RollupFigures(one.db), new RollupFigures(two.db)];
      for (let step = 0; step < 90; step++) {
        const now = start + step * 20_000;
        // Each process writes its own calls, one of them a minute late every few steps.
        await Promise.all(
          [one, two].map((store, p) => {
            const r = recorder(store.db, () => (step % 5 === p ? now - MINUTE : now));
            for (let i = 0; i < 1 + ((step + p) % 4); i++) {
              const tool = `t${(step + i + p) % 7}`;
              const peer = (step + i) % 3 === 0 ? "p1" : (step + i) % 3 === 1 ? "p2" : "";
              r.m.count(METRICS.calls, { tool, peer, outcome: outcomes[(step * 3 + i + p) % outcomes.length]! });
              r.m.observe(METRICS.callDuration, { tool, peer }, (step * 37 + i * 11) % 3000);
            }
            return r.m.flush();
          }),
        );
        for (const window of [5, 60]) {
          // Both readers at once, so that both may find the kept window behind and move it.
          const views = await Promise.all(readers.map(async (f) => shown(await f.calls(now, window), await f.peers(now, window))));
          const want = await expected(one.db, minuteOf(now) - window + 1);
          expect(views[0]).toEqual(want);
          expect(views[1]).toEqual(want);
        }
      }
      expect((await readers[1]!.calls(start + 89 * 20_000, 60)).calls).toBeGreaterThan(150);
    } finally {
      one.close();
      two.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("estimate a percentile inside its bucket, and none without observations", () => {
    expect(bucketPercentile([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 0.5)).toBeNull();
    // 4 observations in (50, 100]: the median is half way through that bucket.
    expect(bucketPercentile([0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0], 4, 0.5)).toBe(75);
  });
});
