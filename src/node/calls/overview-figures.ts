// The call figures the console's overview shows (rate, errors, latency percentiles, per tool),
// behind a port: here counted by the database over the invocation log, with latency percentiles
// from the window's newest calls; per-minute rollups can stand in for it without the console
// changing.
import type { Database } from "../../store/database.ts";
import { invocationCounts, recentDurations } from "../../store/invocations.ts";

export interface ToolFigures {
  tool: string;
  calls: number;
  errors: number;
  /** Null when none of the tool's calls is in the latency sample. */
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface CallFigures {
  windowMinutes: number;
  calls: number;
  callsPerMinute: number;
  /** Share of calls that did not succeed, 0..1; 0 without calls. */
  errorRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Calls and errors per minute of the window (`minute`: its start, ms), oldest first. */
  perMinute: { minute: number; calls: number; errors: number }[];
  /** Busiest first. */
  perTool: ToolFigures[];
  /** How many of the newest calls the latency percentiles are taken over (counts cover all). */
  latencySample: number;
}

export interface OverviewFigures {
  calls(now: number, windowMinutes: number): Promise<CallFigures>;
}

/** Latency percentiles are taken over the newest this many calls of the window. */
const LATENCY_SAMPLE = 2_000;
const MINUTE_MS = 60_000;

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function percentiles(durations: number[]): { p50Ms: number | null; p99Ms: number | null } {
  if (durations.length === 0) return { p50Ms: null, p99Ms: null };
  durations.sort((a, b) => a - b);
  return { p50Ms: percentile(durations, 0.5), p99Ms: percentile(durations, 0.99) };
}

export class InvocationLogFigures implements OverviewFigures {
  constructor(private readonly db: Database) {}

  async calls(now: number, windowMinutes: number): Promise<CallFigures> {
    const from = now - windowMinutes * MINUTE_MS;
    const [counts, sample] = await Promise.all([invocationCounts(this.db, from), recentDurations(this.db, from, LATENCY_SAMPLE)]);
    const perMinute = Array.from({ length: windowMinutes }, (_, i) => ({ minute: from + i * MINUTE_MS, calls: 0, errors: 0 }));
    for (const m of counts.perMinute) {
      const slot = perMinute[Math.min(windowMinutes - 1, Math.max(0, Math.floor(Number(m.minute))))]!;
      slot.calls += Number(m.calls);
      slot.errors += Number(m.errors ?? 0);
    }
    const durations = new Map<string, number[]>();
    for (const r of sample) {
      const list = durations.get(r.toolName) ?? [];
      list.push(r.durationMs);
      durations.set(r.toolName, list);
    }
    const perTool = counts.perTool.map((t) => ({ tool: t.tool, calls: Number(t.calls), errors: Number(t.errors ?? 0), ...percentiles(durations.get(t.tool) ?? []) }));
    perTool.sort((a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool));
    const calls = perTool.reduce((n, t) => n + t.calls, 0);
    const errors = perTool.reduce((n, t) => n + t.errors, 0);
    return {
      windowMinutes,
      calls,
      callsPerMinute: calls / windowMinutes,
      errorRate: calls === 0 ? 0 : errors / calls,
      ...percentiles(sample.map((r) => r.durationMs)),
      perMinute,
      perTool,
      latencySample: Math.min(calls, LATENCY_SAMPLE),
    };
  }
}
