// The call figures the console's overview shows (rate, errors, latency percentiles, per tool),
// behind a port: here computed from the invocation log's recent rows; per-minute rollups can
// stand in for it without the console changing.
import type { Database } from "../../store/database.ts";
import { invocationTimings } from "../../store/invocations.ts";
import type { Outcome } from "./invocations.ts";

export interface ToolFigures {
  tool: string;
  calls: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
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
  /** True when the window held more calls than were read: the figures cover the newest ones. */
  truncated: boolean;
}

export interface OverviewFigures {
  calls(now: number, windowMinutes: number): Promise<CallFigures>;
}

/** Outcomes that count as served; every other one counts as an error. */
const SUCCESSES: ReadonlySet<Outcome> = new Set(["ok", "cache_hit"]);
/** Rows read per window: the percentiles of the newest this many calls. */
const MAX_ROWS = 20_000;
const MINUTE_MS = 60_000;

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export class InvocationLogFigures implements OverviewFigures {
  constructor(private readonly db: Database) {}

  async calls(now: number, windowMinutes: number): Promise<CallFigures> {
    const from = now - windowMinutes * MINUTE_MS;
    const rows = await invocationTimings(this.db, from, MAX_ROWS);
    const perMinute = Array.from({ length: windowMinutes }, (_, i) => ({ minute: from + i * MINUTE_MS, calls: 0, errors: 0 }));
    const tools = new Map<string, { durations: number[]; errors: number }>();
    const durations: number[] = [];
    let errors = 0;
    for (const r of rows) {
      const failed = !SUCCESSES.has(r.outcome);
      const slot = perMinute[Math.min(windowMinutes - 1, Math.floor((r.at - from) / MINUTE_MS))]!;
      slot.calls++;
      durations.push(r.durationMs);
      const tool = tools.get(r.toolName) ?? { durations: [], errors: 0 };
      tool.durations.push(r.durationMs);
      if (failed) {
        errors++;
        slot.errors++;
        tool.errors++;
      }
      tools.set(r.toolName, tool);
    }
    durations.sort((a, b) => a - b);
    const perTool = [...tools].map(([tool, t]) => {
      t.durations.sort((a, b) => a - b);
      return { tool, calls: t.durations.length, errors: t.errors, p50Ms: percentile(t.durations, 0.5), p99Ms: percentile(t.durations, 0.99) };
    });
    perTool.sort((a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool));
    return {
      windowMinutes,
      calls: rows.length,
      callsPerMinute: rows.length / windowMinutes,
      errorRate: rows.length === 0 ? 0 : errors / rows.length,
      p50Ms: durations.length ? percentile(durations, 0.5) : null,
      p99Ms: durations.length ? percentile(durations, 0.99) : null,
      perMinute,
      perTool,
      truncated: rows.length === MAX_ROWS,
    };
  }
}
