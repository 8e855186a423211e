// The console overview's call figures (calls per minute, error rate, p50/p99, per tool) read from
// the metric rollups: every process's calls, at the cost of a few grouped rows per minute instead
// of the invocation log's rows. Percentiles are estimated within the fixed histogram buckets.
import type { Database } from "../../store/database.ts";
import { counterSums, histogramSums, histogramTotals } from "../../store/metrics.ts";
import { HISTOGRAM_BOUNDS_MS, METRICS } from "./definitions.ts";
import { minuteOf } from "./recorder.ts";

export interface ToolFigures {
  tool: string;
  calls: number;
  errors: number;
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
  /** How many calls the latency percentiles are taken over: all of the window's. */
  latencySample: number;
}

/** Calls a peer provided over the window, and their latency as this node saw it (the hop included). */
export interface PeerLatency {
  /** The providing peer's node id. */
  peer: string;
  calls: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** The console's overview figures, behind a port. */
export interface OverviewFigures {
  calls(now: number, windowMinutes: number): Promise<CallFigures>;
  /** Per providing peer, busiest first; local calls are no peer's. */
  peers(now: number, windowMinutes: number): Promise<PeerLatency[]>;
}

const MINUTE_MS = 60_000;
/** Outcomes that are not errors: an answer from the tool, or from the cache. */
const SUCCESSES = ["ok", "cache_hit"];

/**
 * The value below which a share `q` of the observations fall, interpolated linearly inside the
 * bucket that holds it; null without observations. Above the last bound, the last bound.
 */
export function bucketPercentile(buckets: readonly number[], count: number, q: number): number | null {
  if (count === 0) return null;
  const rank = q * count;
  let below = 0;
  for (let i = 0; i < HISTOGRAM_BOUNDS_MS.length; i++) {
    const n = buckets[i] ?? 0;
    if (n > 0 && below + n >= rank) {
      const lower = i === 0 ? 0 : HISTOGRAM_BOUNDS_MS[i - 1]!;
      return lower + ((HISTOGRAM_BOUNDS_MS[i]! - lower) * (rank - below)) / n;
    }
    below += n;
  }
  return HISTOGRAM_BOUNDS_MS[HISTOGRAM_BOUNDS_MS.length - 1]!;
}

function merged(series: { count: number; buckets: number[] }[]): { count: number; buckets: number[] } {
  return {
    count: series.reduce((a, s) => a + s.count, 0),
    buckets: HISTOGRAM_BOUNDS_MS.map((_, i) => series.reduce((a, s) => a + (s.buckets[i] ?? 0), 0)),
  };
}

export class RollupFigures implements OverviewFigures {
  constructor(private readonly db: Database) {}

  async peers(now: number, windowMinutes: number): Promise<PeerLatency[]> {
    const rows = await histogramSums(this.db, METRICS.callDuration.name, minuteOf(now) - windowMinutes + 1, "peer");
    return rows
      .map((h) => ({ peer: h.key, calls: h.count, p50Ms: bucketPercentile(h.buckets, h.count, 0.5), p99Ms: bucketPercentile(h.buckets, h.count, 0.99) }))
      .sort((x, y) => y.calls - x.calls || x.peer.localeCompare(y.peer));
  }

  async calls(now: number, windowMinutes: number): Promise<CallFigures> {
    const first = minuteOf(now) - windowMinutes + 1;
    const succeeded = { label: "outcome", values: SUCCESSES };
    const [minutes, toolSums, latencies] = await Promise.all([
      counterSums(this.db, METRICS.calls.name, first, "minute", succeeded),
      counterSums(this.db, METRICS.calls.name, first, { label: "tool" }, succeeded),
      histogramTotals(this.db, { fromMinute: first, names: [METRICS.callDuration.name] }),
    ]);
    const perMinute = Array.from({ length: windowMinutes }, (_, i) => ({ minute: (first + i) * MINUTE_MS, calls: 0, errors: 0 }));
    for (const m of minutes) {
      const slot = perMinute[Number(m.key) - first];
      if (slot) {
        slot.calls += m.total;
        slot.errors += m.total - m.matching;
      }
    }
    const tools = new Map(toolSums.map((t) => [String(t.key), { calls: t.total, errors: t.total - t.matching }]));
    const byTool = new Map<string, { count: number; buckets: number[] }[]>();
    for (const h of latencies) {
      const tool = (JSON.parse(h.labels) as { tool: string }).tool;
      byTool.set(tool, [...(byTool.get(tool) ?? []), h]);
    }
    const all = merged(latencies);
    const calls = perMinute.reduce((a, m) => a + m.calls, 0);
    const errors = perMinute.reduce((a, m) => a + m.errors, 0);
    const perTool = [...tools]
      .map(([tool, t]) => {
        const h = merged(byTool.get(tool) ?? []);
        return { tool, ...t, p50Ms: bucketPercentile(h.buckets, h.count, 0.5), p99Ms: bucketPercentile(h.buckets, h.count, 0.99) };
      })
      .sort((x, y) => y.calls - x.calls || x.tool.localeCompare(y.tool));
    return {
      windowMinutes,
      calls,
      callsPerMinute: calls / windowMinutes,
      errorRate: calls === 0 ? 0 : errors / calls,
      p50Ms: bucketPercentile(all.buckets, all.count, 0.5),
      p99Ms: bucketPercentile(all.buckets, all.count, 0.99),
      perMinute,
      perTool,
      latencySample: all.count,
    };
  }
}
