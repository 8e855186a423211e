// The console overview's call figures (calls per minute, error rate, p50/p99, per tool, per peer)
// read from the call rollups every process adds to: a few rows per view instead of the invocation
// log's rows or every label set of the hour. Percentiles are estimated within the fixed histogram
// buckets.
import { moveWindow, readWindow, sumMinutes, type WindowQuery, type WindowRead } from "../../store/call-window.ts";
import type { Database } from "../../store/database.ts";
import { HISTOGRAM_BOUNDS_MS } from "./definitions.ts";
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
  /** Brings the store's kept window to `now` (ms): the tick's part. */
  keep(now: number): Promise<void>;
}

const MINUTE_MS = 60_000;

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

/** The window length whose sums the store keeps (store/call-window.ts): the console's. */
export const KEPT_WINDOW_MINUTES = 60;

/**
 * The figures from the store's call rollups (store/call-window.ts), which every process's flushes
 * add to. The console's window is read as its kept sums, one row per tool and peer and the hour's
 * 60 minute totals, whichever process asks and however long it has run; a reader that finds the
 * sums' span behind its minute moves it first (the tick does so each period, so that is seldom
 * more than a minute's rows). Other window lengths are summed from the minutes.
 */
export class RollupFigures implements OverviewFigures {
  constructor(private readonly db: Database) {}

  async #read(now: number, windowMinutes: number, q: WindowQuery): Promise<{ first: number; read: WindowRead }> {
    const last = minuteOf(now);
    const first = last - windowMinutes + 1;
    if (windowMinutes === KEPT_WINDOW_MINUTES) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const read = await readWindow(this.db, KEPT_WINDOW_MINUTES, first, last, q);
        if (read.span?.first === first && read.span.last === last) return { first, read };
        // Ahead: another process's clock has passed this one's minute; its sums are not this window.
        if (read.span && read.span.last > last) break;
        await moveWindow(this.db, KEPT_WINDOW_MINUTES, read.span, { first, last });
      }
    }
    return { first, read: await sumMinutes(this.db, first, last, q) };
  }

  /** Moves the kept window to `now` (the tick's part), so that a view finds it there. */
  async keep(now: number): Promise<void> {
    await this.#read(now, KEPT_WINDOW_MINUTES, { scopes: ["all"], perMinute: false });
  }

  async peers(now: number, windowMinutes: number): Promise<PeerLatency[]> {
    const { read } = await this.#read(now, windowMinutes, { scopes: ["peer"], perMinute: false });
    return read.keys
      .filter((k) => k.scope === "peer" && k.count > 0)
      .map((k) => ({ peer: k.key, calls: k.count, p50Ms: bucketPercentile(k.buckets, k.count, 0.5), p99Ms: bucketPercentile(k.buckets, k.count, 0.99) }))
      .sort((x, y) => y.calls - x.calls || x.peer.localeCompare(y.peer));
  }

  async calls(now: number, windowMinutes: number): Promise<CallFigures> {
    const { first, read } = await this.#read(now, windowMinutes, { scopes: ["all", "tool"], perMinute: true });
    const minutes = new Map(read.perMinute.map((m) => [m.minute, m]));
    const perMinute = Array.from({ length: windowMinutes }, (_, i) => {
      const m = minutes.get(first + i);
      return { minute: (first + i) * MINUTE_MS, calls: m?.calls ?? 0, errors: m?.errors ?? 0 };
    });
    const perTool = read.keys
      // A tool with latencies but no counted call is not listed.
      .filter((k) => k.scope === "tool" && k.calls > 0)
      .map((k) => ({ tool: k.key, calls: k.calls, errors: k.errors, p50Ms: bucketPercentile(k.buckets, k.count, 0.5), p99Ms: bucketPercentile(k.buckets, k.count, 0.99) }))
      .sort((x, y) => y.calls - x.calls || x.tool.localeCompare(y.tool));
    const all = read.keys.find((k) => k.scope === "all") ?? { calls: 0, errors: 0, count: 0, buckets: [] };
    return {
      windowMinutes,
      calls: all.calls,
      callsPerMinute: all.calls / windowMinutes,
      errorRate: all.calls === 0 ? 0 : all.errors / all.calls,
      p50Ms: bucketPercentile(all.buckets, all.count, 0.5),
      p99Ms: bucketPercentile(all.buckets, all.count, 0.99),
      perMinute,
      perTool,
      latencySample: all.count,
    };
  }
}
