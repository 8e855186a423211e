// The console overview's call figures (calls per minute, error rate, p50/p99, per tool) read from
// the metric rollups: every process's calls, at the cost of a few grouped rows per minute instead
// of the invocation log's rows. Percentiles are estimated within the fixed histogram buckets.
// Settled minutes are kept in memory for an hour and summed once per window, so a view reads only
// the rows of the minutes not yet settled (the open one and the one before it).
import type { Database } from "../../store/database.ts";
import { counterMinuteSums, histogramMinuteCounts, type MinuteSpan } from "../../store/metrics.ts";
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

/** Adds one minute's figures (or a sum of minutes') into a sum. */
function addMinute(into: MinuteFigures, m: MinuteFigures): void {
  into.calls += m.calls;
  into.errors += m.errors;
  addCounts(into.latency, m.latency);
  for (const [tool, t] of m.tools) {
    const to = toolOf(into, tool);
    to.calls += t.calls;
    to.errors += t.errors;
    addCounts(to.latency, t.latency);
  }
  for (const [peer, h] of m.peers) {
    const p = into.peers.get(peer) ?? noCounts();
    addCounts(p, h);
    into.peers.set(peer, p);
  }
}

/** Minutes this process keeps once settled: the console's window. */
const CACHED_MINUTES = 60;
/**
 * A minute is read from the store until this long after it ended, then kept. Counts land under the
 * minute they were made in, usually within FLUSH_AFTER_MS (1 s) of it, but a flush queued behind a
 * slow store, a Workers write deferred past its request, or a writer's clock running behind can land
 * later; a minute's margin covers those (writers' clocks are assumed within it), at the price of
 * reading one or two minutes live per view.
 */
const SETTLED_AFTER_MS = 60_000;
/** Window lengths whose settled sum a process keeps; the console asks for one or two. */
const KEPT_WINDOWS = 8;

/** A window's settled minutes (`first`..`last`) summed, and each one's calls and errors. */
interface SettledSum {
  first: number;
  last: number;
  sum: MinuteFigures;
  perMinute: { calls: number; errors: number }[];
}

/**
 * The figures from the rollups. A settled minute no longer changes in the store (above), so each
 * process keeps those of the last hour once read, and per window length their sum, made again
 * only when the window moves by a minute: a view reads only the unsettled minutes' rows, in one
 * statement per table, and adds a sum of up to a few hundred tools to them.
 */
export class RollupFigures implements OverviewFigures {
  readonly #settled = new Map<number, MinuteFigures>();
  readonly #sums = new Map<number, SettledSum>();

  constructor(private readonly db: Database) {}

  /** The minutes of the spans from the store, one entry per minute that has rows. */
  async #read(spans: MinuteSpan[]): Promise<Map<number, MinuteFigures>> {
    const read = new Map<number, MinuteFigures>();
    const minute = (m: number) => read.get(m) ?? (read.set(m, noMinute()), read.get(m)!);
    const succeeded = { label: "outcome", values: SUCCESSES };
    const results = await Promise.all(
      spans.map((span) => Promise.all([counterMinuteSums(this.db, METRICS.calls.name, span, "tool", succeeded), histogramMinuteCounts(this.db, METRICS.callDuration.name, span)])),
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
        addCounts(toolOf(m, String(h.labels.tool)).latency, h);
        addCounts(m.latency, h);
        const peer = h.labels.peer;
        if (peer) {
          const p = m.peers.get(peer) ?? noCounts();
          addCounts(p, h);
          m.peers.set(peer, p);
        }
      }
    }
    return read;
  }

  /** The sum of the window's settled minutes `first`..`last`, from memory while the window has not moved. */
  async #settledSum(current: number, first: number, last: number): Promise<SettledSum> {
    const windowMinutes = current - first + 1;
    const kept = this.#sums.get(windowMinutes);
    if (kept && kept.first === first && kept.last === last) return kept;
    for (const m of this.#settled.keys()) if (m <= current - CACHED_MINUTES) this.#settled.delete(m);
    // The spans of settled minutes not held, each read with one statement per table.
    const spans: MinuteSpan[] = [];
    for (let m = first; m <= last; m++) {
      if (this.#settled.has(m)) continue;
      const previous = spans.at(-1);
      if (previous && previous.to === m - 1) previous.to = m;
      else spans.push({ from: m, to: m });
    }
    const read = await this.#read(spans);
    for (let m = Math.max(first, current - CACHED_MINUTES + 1); m <= last; m++) if (!this.#settled.has(m)) this.#settled.set(m, read.get(m) ?? noMinute());
    const sum = noMinute();
    const perMinute: SettledSum["perMinute"] = [];
    for (let m = first; m <= last; m++) {
      const figures = this.#settled.get(m) ?? read.get(m) ?? noMinute();
      addMinute(sum, figures);
      perMinute.push({ calls: figures.calls, errors: figures.errors });
    }
    const made = { first, last, sum, perMinute };
    this.#sums.delete(windowMinutes);
    if (this.#sums.size >= KEPT_WINDOWS) this.#sums.delete(this.#sums.keys().next().value!);
    this.#sums.set(windowMinutes, made);
    return made;
  }

  /** The window's figures summed, and each minute's calls and errors, oldest first. */
  async #window(now: number, windowMinutes: number): Promise<{ first: number; total: MinuteFigures; perMinute: { calls: number; errors: number }[] }> {
    const current = minuteOf(now);
    const first = current - windowMinutes + 1;
    // The last settled minute; the ones after it are read on every view.
    const last = Math.max(first - 1, minuteOf(now - SETTLED_AFTER_MS) - 1);
    const [settled, live] = await Promise.all([this.#settledSum(current, first, last), this.#read([{ from: last + 1, to: current }])]);
    const total = noMinute();
    addMinute(total, settled.sum);
    for (const m of live.values()) addMinute(total, m);
    const perMinute = Array.from({ length: windowMinutes }, (_, i) => {
      if (first + i <= last) return settled.perMinute[i]!;
      const m = live.get(first + i);
      return { calls: m?.calls ?? 0, errors: m?.errors ?? 0 };
    });
    return { first, total, perMinute };
  }

  async peers(now: number, windowMinutes: number): Promise<PeerLatency[]> {
    const { total } = await this.#window(now, windowMinutes);
    return [...total.peers]
      .map(([peer, h]) => ({ peer, calls: h.count, p50Ms: bucketPercentile(h.buckets, h.count, 0.5), p99Ms: bucketPercentile(h.buckets, h.count, 0.99) }))
      .sort((x, y) => y.calls - x.calls || x.peer.localeCompare(y.peer));
  }

  async calls(now: number, windowMinutes: number): Promise<CallFigures> {
    const { first, total, perMinute: counts } = await this.#window(now, windowMinutes);
    const perMinute = counts.map((m, i) => ({ minute: (first + i) * MINUTE_MS, calls: m.calls, errors: m.errors }));
    const perTool = [...total.tools]
      // A tool with latencies but no counted call (its counts fell in the overflow set) is not listed.
      .filter(([, t]) => t.calls > 0)
      .map(([tool, t]) => ({ tool, calls: t.calls, errors: t.errors, p50Ms: bucketPercentile(t.latency.buckets, t.latency.count, 0.5), p99Ms: bucketPercentile(t.latency.buckets, t.latency.count, 0.99) }))
      .sort((x, y) => y.calls - x.calls || x.tool.localeCompare(y.tool));
    const { calls, errors, latency } = total;
    return {
      windowMinutes,
      calls,
      callsPerMinute: calls / windowMinutes,
      errorRate: calls === 0 ? 0 : errors / calls,
      p50Ms: bucketPercentile(latency.buckets, latency.count, 0.5),
      p99Ms: bucketPercentile(latency.buckets, latency.count, 0.99),
      perMinute,
      perTool,
      latencySample: latency.count,
    };
  }
}
