// The console's call figures over a real libSQL invocation log: counts per minute and per tool,
// the error rate, and latency percentiles.
import { describe, expect, it } from "vitest";
import { InvocationLogFigures } from "../../src/node/calls/overview-figures.ts";
import { insertInvocations, type Invocation } from "../../src/store/invocations.ts";
import { memoryDb } from "../support/libsql.ts";

const NOW = 1_800_000_000_000;
const row = (minutesAgo: number, tool: string, durationMs: number, outcome: Invocation["outcome"] = "ok"): Invocation => ({
  at: NOW - minutesAgo * 60_000 - 1,
  caller: "anonymous",
  toolName: tool,
  durationMs,
  outcome,
});

describe("InvocationLogFigures", () => {
  it("counts calls and errors per minute and per tool in the window, and takes latency percentiles", async () => {
    const db = await memoryDb();
    const rows = [
      ...Array.from({ length: 98 }, (_, i) => row(0, "fast", i + 1)),
      row(0, "fast", 1000, "timeout"),
      row(0, "fast", 2000, "cache_hit"),
      row(9, "slow", 500, "tool_error"),
      row(9, "slow", 700),
      row(30, "old", 1), // outside a 10-minute window
    ];
    await insertInvocations(db, rows);
    const f = await new InvocationLogFigures(db).calls(NOW, 10);
    expect(f.calls).toBe(102);
    expect(f.callsPerMinute).toBeCloseTo(10.2);
    expect(f.errorRate).toBeCloseTo(2 / 102);
    expect(f.perMinute).toHaveLength(10);
    expect(f.perMinute[0]).toEqual({ minute: NOW - 600_000, calls: 2, errors: 1 });
    expect(f.perMinute[9]).toEqual({ minute: NOW - 60_000, calls: 100, errors: 1 });
    expect(f.perMinute.reduce((n, m) => n + m.calls, 0)).toBe(102);
    expect(f.perTool.map((t) => [t.tool, t.calls, t.errors])).toEqual([
      ["fast", 100, 1],
      ["slow", 2, 1],
    ]);
    expect(f.perTool[1]).toMatchObject({ p50Ms: 700, p99Ms: 700 });
    expect(f.p50Ms).toBe(52); // 102 durations: the one at index 51 of 1..98, 500, 700, 1000, 2000
    expect(f.p99Ms).toBe(1000);
  });

  it("reports no latency without calls", async () => {
    const f = await new InvocationLogFigures(await memoryDb()).calls(NOW, 5);
    expect(f).toMatchObject({ calls: 0, errorRate: 0, p50Ms: null, p99Ms: null, perTool: [] });
  });
});
