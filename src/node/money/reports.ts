// Reports: each peer's balance per unit over time, in buckets of a day, a week (from Monday) or a
// month (UTC), with what the calls, set-offs and settlements of each bucket moved and what clearing
// saved. Signs as in balances: positive, the peer owes this node. A reporting-currency column is
// added where the operator set a rate (rates.ts); the amounts themselves are never converted.
import { convertAmount } from "../../protocol/ledger/currencies.ts";
import type { Database } from "../../store/database.ts";
import { movements, sumsBefore, type Movement } from "../../store/money.ts";
import { csvField } from "../ledger/export.ts";
import { nextPeriod, periodStart, type CalendarSchedule } from "../schedules/schedule.ts";
import { rateFor } from "./rates.ts";

export type Every = "day" | "week" | "month";

export interface ReportQuery {
  peer?: string;
  unit?: string;
  from: number;
  to: number;
  every: Every;
  /** The unit of the converted column; none, no column. */
  currency?: string;
}

export interface ReportRow {
  /** The bucket, [start, end), as ISO 8601 days (end exclusive). */
  start: string;
  end: string;
  peer: string;
  unit: string;
  /** Calls this node served in the bucket. */
  earned: number;
  /** Calls it made. */
  spent: number;
  /** Set-offs in the bucket, signed (+: they reduced what this node owed). */
  cleared: number;
  /** Settlements in the bucket, signed likewise. */
  settled: number;
  /** The balance at the bucket's end. */
  net: number;
  /** What was owed at the bucket's end had its set-offs not happened: |net − cleared|. */
  gross: number;
  /** |cleared| ÷ gross, 4 decimals; null when nothing was owed. */
  savings: number | null;
  reportingCurrency: string | null;
  /** `net` in the reporting currency at the latest rate on or before the bucket's last day. */
  netReporting: number | null;
  rate: string | null;
  rateDate: string | null;
}

export class ReportError extends Error {
  override name = "ReportError";
}

const DAY_MS = 86_400_000;
/** More buckets than this in one report are refused: ask for a coarser one. */
export const MAX_BUCKETS = 400;

const SCHEDULE_OF = { day: "daily", week: "weekly", month: "monthly" } as const satisfies Record<Every, CalendarSchedule>;

/** The start of the bucket holding `t`. */
export function bucketStart(t: number, every: Every): number {
  return periodStart(t, SCHEDULE_OF[every]);
}

const nextBucket = (start: number, every: Every) => nextPeriod(start, SCHEDULE_OF[every]);

/** The buckets covering [from, to). */
export function buckets(from: number, to: number, every: Every): [number, number][] {
  const out: [number, number][] = [];
  for (let s = bucketStart(from, every); s < to; s = nextBucket(s, every)) {
    if (out.length === MAX_BUCKETS) throw new ReportError(`more than ${MAX_BUCKETS} buckets: ask for a shorter span or --every week or month`);
    out.push([s, nextBucket(s, every)]);
  }
  return out;
}

/** What a movement adds to the balance (+: the peer owes this node more, or this node owes less). */
function signed(m: Pick<Movement, "kind" | "role" | "amount">): number {
  if (m.kind === "call") return m.role === "provider" ? m.amount : -m.amount;
  return m.role === "consumer" ? m.amount : -m.amount;
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

export async function report(db: Database, q: ReportQuery): Promise<ReportRow[]> {
  const spans = buckets(q.from, q.to, q.every);
  if (spans.length === 0) return [];
  const first = spans[0]![0];
  const last = spans[spans.length - 1]![1];
  const net = new Map<string, number>();
  const pair = (peer: string, unit: string) => JSON.stringify([peer, unit]);
  for (const s of await sumsBefore(db, { ...q, before: first })) net.set(pair(s.peer, s.unit), (net.get(pair(s.peer, s.unit)) ?? 0) + signed(s));
  const rows = await movements(db, { ...q, from: first, to: last });
  const out: ReportRow[] = [];
  let i = 0;
  for (const [start, end] of spans) {
    const moved = new Map<string, { earned: number; spent: number; cleared: number; settled: number }>();
    for (; i < rows.length && rows[i]!.completedAt < end; i++) {
      const m = rows[i]!;
      const k = pair(m.peer, m.unit);
      const b = moved.get(k) ?? { earned: 0, spent: 0, cleared: 0, settled: 0 };
      if (m.kind === "call") b[m.role === "provider" ? "earned" : "spent"] += m.amount;
      else b[m.kind === "set-off" ? "cleared" : "settled"] += signed(m);
      moved.set(k, b);
      net.set(k, (net.get(k) ?? 0) + signed(m));
    }
    for (const k of [...net.keys()].sort()) {
      const [peer, unit] = JSON.parse(k) as [string, string];
      const b = moved.get(k) ?? { earned: 0, spent: 0, cleared: 0, settled: 0 };
      const balance = net.get(k)!;
      const gross = Math.abs(balance - b.cleared);
      const row: ReportRow = {
        start: iso(start),
        end: iso(end),
        peer,
        unit,
        ...b,
        net: balance,
        gross,
        savings: gross === 0 ? null : Math.round((Math.abs(b.cleared) / gross) * 10_000) / 10_000,
        reportingCurrency: null,
        netReporting: null,
        rate: null,
        rateDate: null,
      };
      if (q.currency) {
        const rate = unit === q.currency ? { rate: "1", date: iso(end - DAY_MS) } : await rateFor(db, unit, q.currency, end - DAY_MS);
        if (rate) Object.assign(row, { reportingCurrency: q.currency, netReporting: convertAmount(balance, unit, q.currency, rate.rate), rate: rate.rate, rateDate: rate.date });
      }
      out.push(row);
    }
  }
  return out;
}

export const REPORT_COLUMNS = ["start", "end", "peer", "unit", "earned", "spent", "cleared", "settled", "net", "gross", "savings", "reportingCurrency", "netReporting", "rate", "rateDate"] as const;

/** CSV with the ledger export's quoting (RFC 4180, formula prefixes neutralized); empty cells for null. */
export function reportCsv(rows: readonly ReportRow[]): string {
  const lines = [REPORT_COLUMNS.join(",")];
  for (const r of rows) lines.push(REPORT_COLUMNS.map((c) => csvField(r[c] ?? "")).join(","));
  return lines.join("\r\n") + "\r\n";
}
