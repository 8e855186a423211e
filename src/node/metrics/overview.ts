// The console overview's call figures (calls per minute, error rate, p50/p99, per tool) read from
// the metric rollups: every process's calls, at the cost of a few grouped rows per minute instead
// of the invocation log's rows. Percentiles are estimated within the fixed histogram buckets.
// Settled minutes are kept in memory for an hour, so a view reads only the last few minutes' rows.
import type { Database } from "../../store/database.ts";
import { counterMinuteSums, histogramMinuteRows, type MinuteSpan } from "../../store/metrics.ts";
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

/** The console's overview figures, behind a port. `now` is in milliseconds (the services' clock is in seconds). */
export interface OverviewFigures {
  /** `now` in milliseconds (the services' clock counts seconds). */
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

/** A histogram's counts: the number of observations and one count per bucket. */
interface Counts {
  count: number;
  buckets: number[];
}

const noCounts = (): Counts => ({ count: 0, buckets: HISTOGRAM_BOUNDS_MS.map(() => 0) });

function addCounts(into: Counts, h: Counts): void {
  into.count += h.count;
  for (let i = 0; i < into.buckets.length; i++) into.buckets[i]! += h.buckets[i] ?? 0;
}

/** One minute's calls, summed per tool and per providing peer. */
interface MinuteFigures {
  calls: number;
  errors: number;
  tools: Map<string, { calls: number; errors: number; latency: Counts }>;
  peers: Map<string, Counts>;
  latency: Counts;
}

const noMinute = (): MinuteFigures => ({ calls: 0, errors: 0, tools: new Map(), peers: new Map(), latency: noCounts() });

function toolOf(m: MinuteFigures, tool: string) {
  let t = m.tools.get(tool);
  if (!t) m.tools.set(tool, (t = { calls: 0, errors: 0, latency: noCounts() }));
  return t;
}

/** Minutes this process keeps once settled: the console's window. */
const CACHED_MINUTES = 60;
/**
 * A minute is read from the store until this many minutes after it began: the recorders of every
 * process write a call's counts within a moment of it (50 ms, or right after the request on
 * Workers), so by then its rows no longer change.
 */
const SETTLES_AFTER_MINUTES = 2;

/**
 * The figures from the rollups. Settled minutes of the last hour are kept in memory once read, so
 * a view reads only the minutes since: two grouped statements over a few minutes' rows instead of
 * the hour's.
 */
export class RollupFigures implements OverviewFigures {
  readonly #settled = new Map<number, MinuteFigures>();

  constructor(private readonly db: Database) {}

  /** Each minute of the window, oldest first, from memory where settled, else from the store. */
  async #minutes(now: number, windowMinutes: number): Promise<{ first: number; minutes: MinuteFigures[] }> {
    const current = minuteOf(now);
    const first = current - windowMinutes + 1;
    for (const m of this.#settled.keys()) if (m <= current - CACHED_MINUTES) this.#settled.delete(m);
    // The spans of the window not held, each read with one statement per table.
    const spans: MinuteSpan[] = [];
    for (let m = first; m <= current; m++) {
      if (this.#settled.has(m)) continue;
      const last = spans.at(-1);
      if (last && last.to === m - 1) last.to = m;
      else spans.push({ from: m, to: m });
    }
    const read = new Map<number, MinuteFigures>();
    const minute = (m: number) => read.get(m) ?? (read.set(m, noMinute()), read.get(m)!);
    const succeeded = { label: "outcome", values: SUCCESSES };
    const results = await Promise.all(
      spans.map((span) => Promise.all([counterMinuteSums(this.db, METRICS.calls.name, span, "tool", succeeded), histogramMinuteRows(this.db, METRICS.callDuration.name, span)])),
    );
    for (const [counts, latencies] of results) {
      for (const c of counts) {
        const m = minute(c.minute);
        const t = toolOf(m, c.key);
        m.calls += c.total;
        m.errors += c.total - c.matching;
        t.calls += c.total;
        t.errors += c.total - c.matching;
      }
      for (const h of latencies) {
        const m = minute(h.minute);
        const { tool, peer } = JSON.parse(h.labels) as { tool: string; peer: string };
        addCounts(toolOf(m, tool).latency, h);
        addCounts(m.latency, h);
        if (peer) {
          const p = m.peers.get(peer) ?? noCounts();
          addCounts(p, h);
          m.peers.set(peer, p);
        }
      }
    }
    for (const span of spans) {
      for (let m = Math.max(span.from, current - CACHED_MINUTES + 1); m <= Math.min(span.to, current - SETTLES_AFTER_MINUTES); m++) this.#settled.set(m, read.get(m) ?? noMinute());
    }
    return { first, minutes: Array.from({ length: windowMinutes }, (_, i) => this.#settled.get(first + i) ?? read.get(first + i) ?? noMinute()) };
  }

  async peers(now: number, windowMinutes: number): Promise<PeerLatency[]> {
    const peers = new Map<string, Counts>();
    for (const m of (await this.#minutes(now, windowMinutes)).minutes) {
      for (const [peer, h] of m.peers) {
        const p = peers.get(peer) ?? noCounts();
        addCounts(p, h);
        peers.set(peer, p);
      }
    }
    return [...peers]
      .map(([peer, h]) => ({ peer, calls: h.count, p50Ms: bucketPercentile(h.buckets, h.count, 0.5), p99Ms: bucketPercentile(h.buckets, h.count, 0.99) }))
      .sort((x, y) => y.calls - x.calls || x.peer.localeCompare(y.peer));
  }

  async calls(now: number, windowMinutes: number): Promise<CallFigures> {
    const { first, minutes } = await this.#minutes(now, windowMinutes);
    const all = noCounts();
    const tools = new Map<string, { calls: number; errors: number; latency: Counts }>();
    for (const m of minutes) {
      addCounts(all, m.latency);
      for (const [tool, t] of m.tools) {
        const into = tools.get(tool) ?? { calls: 0, errors: 0, latency: noCounts() };
        into.calls += t.calls;
        into.errors += t.errors;
        addCounts(into.latency, t.latency);
        tools.set(tool, into);
      }
    }
    const perMinute = minutes.map((m, i) => ({ minute: (first + i) * MINUTE_MS, calls: m.calls, errors: m.errors }));
    const calls = perMinute.reduce((a, m) => a + m.calls, 0);
    const errors = perMinute.reduce((a, m) => a + m.errors, 0);
    const perTool = [...tools]
      // A tool with latencies but no counted call (its counts fell in the overflow set) is not listed.
      .filter(([, t]) => t.calls > 0)
      .map(([tool, t]) => ({ tool, calls: t.calls, errors: t.errors, p50Ms: bucketPercentile(t.latency.buckets, t.latency.count, 0.5), p99Ms: bucketPercentile(t.latency.buckets, t.latency.count, 0.99) }))
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
