// Reports: each peer's balance per unit over time, in buckets of a day, a week (from Monday) or a
// month (UTC), with what the calls, set-offs and settlements of each bucket moved and what clearing
// saved. Signs as in balances: positive, the peer owes this node. A reporting-currency column is
// added where the operator set a rate (rates.ts); the amounts themselves are never converted.
// Reports come in pages of rows ordered by (bucket, peer, unit), a unique key the cursor names;
// every figure is a sum the database makes (opening balances, each bucket's movements, the
// period's totals), so no page reads the period's records.
import { z } from "zod";
import { fromBase64url, toBase64url } from "../../protocol/encoding/bytes.ts";
import { convertAmount } from "../../protocol/ledger/currencies.ts";
import type { Database } from "../../store/database.ts";
import type { Balance } from "../../store/ledger.ts";
import { bucketSums, pairsBefore, sumsIn, type Movement } from "../../store/money.ts";
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
  /** Rows after this one (a page's `next`). */
  cursor?: string;
  /** Rows in the page. */
  limit: number;
}

/** A peer's and unit's figures over the whole report, whatever the page; `net` at the report's end. */
export type ReportTotal = Omit<Balance, "calls">;

export interface ReportPage {
  rows: ReportRow[];
  totals: ReportTotal[];
  /** The cursor of the next page; null on the last. */
  next: string | null;
}

/** A bucket's row: what moved in it (earned, spent, cleared, settled) and the balance at its end (net). */
export interface ReportRow extends ReportTotal {
  /** The bucket, [start, end), as ISO 8601 days (end exclusive). */
  start: string;
  end: string;
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

/** A row's place: its bucket's start and its peer and unit. */
const cursorSchema = z.tuple([z.number().int().min(0), z.string().max(256), z.string().max(64)]);

function encodeCursor(start: number, peer: string, unit: string): string {
  return toBase64url(new TextEncoder().encode(JSON.stringify([start, peer, unit])));
}

function decodeCursor(cursor: string): { start: number; key: string } {
  try {
    const [start, peer, unit] = cursorSchema.parse(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64url(cursor))));
    return { start, key: pairKey(peer, unit) };
  } catch {
    throw new ReportError("not a cursor this report gave");
  }
}

const pairKey = (peer: string, unit: string) => JSON.stringify([peer, unit]);

type Moved = { earned: number; spent: number; cleared: number; settled: number };
const nothingMoved = (): Moved => ({ earned: 0, spent: 0, cleared: 0, settled: 0 });

function add(into: Moved, m: Movement): void {
  if (m.kind === "call") into[m.role === "provider" ? "earned" : "spent"] += m.amount;
  else into[m.kind === "set-off" ? "cleared" : "settled"] += signed(m);
}

/** Net balances per pair from the store's sums. */
function balances(sums: readonly Movement[]): Map<string, number> {
  const net = new Map<string, number>();
  for (const s of sums) net.set(pairKey(s.peer, s.unit), (net.get(pairKey(s.peer, s.unit)) ?? 0) + signed(s));
  return net;
}

/** Each peer's and unit's figures over [from, to): two grouped sums. */
async function totals(db: Database, q: ReportQuery, from: number, to: number): Promise<ReportTotal[]> {
  const filter = { ...(q.peer ? { peer: q.peer } : {}), ...(q.unit ? { unit: q.unit } : {}) };
  const net = balances(await sumsIn(db, { ...filter, before: to }));
  const moved = new Map<string, Moved>();
  for (const m of await sumsIn(db, { ...filter, from, before: to })) {
    const k = pairKey(m.peer, m.unit);
    add(moved.get(k) ?? moved.set(k, nothingMoved()).get(k)!, m);
  }
  return [...net.keys()].sort().map((k) => {
    const [peer, unit] = JSON.parse(k) as [string, string];
    return { peer, unit, ...(moved.get(k) ?? nothingMoved()), net: net.get(k)! };
  });
}

/**
 * One page of the report: rows in (bucket, peer, unit) order after the cursor, at most `limit`.
 * A bucket has a row for each peer and unit with a record before its end.
 */
export async function report(db: Database, q: ReportQuery): Promise<ReportPage> {
  const spans = buckets(q.from, q.to, q.every);
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  if (spans.length === 0) return { rows: [], totals: [], next: null };
  const first = spans[0]![0];
  const last = spans[spans.length - 1]![1];
  const filter = { ...(q.peer ? { peer: q.peer } : {}), ...(q.unit ? { unit: q.unit } : {}) };
  const pairs = (await pairsBefore(db, { ...filter, before: last })).map((p) => ({ ...p, key: pairKey(p.peer, p.unit) })).sort((a, b) => (a.key < b.key ? -1 : 1));

  // The page's rows, and whether any follow.
  const page: { span: [number, number]; peer: string; unit: string; key: string }[] = [];
  let more = false;
  fill: for (const span of spans) {
    if (after && span[0] < after.start) continue;
    for (const p of pairs) {
      if (p.first >= span[1] || (after && span[0] === after.start && p.key <= after.key)) continue;
      if (page.length === q.limit) {
        more = true;
        break fill;
      }
      page.push({ span, ...p });
    }
  }
  const summed = await totals(db, q, first, last);
  if (page.length === 0) return { rows: [], totals: summed, next: null };

  const from = page[0]!.span[0];
  const to = page[page.length - 1]!.span[1];
  const net = balances(await sumsIn(db, { ...filter, before: from }));
  const byBucket = new Map<number, Map<string, Moved>>();
  for (const m of await bucketSums(db, { ...filter, from, to, every: q.every })) {
    const inBucket = byBucket.get(m.bucket) ?? byBucket.set(m.bucket, new Map()).get(m.bucket)!;
    const k = pairKey(m.peer, m.unit);
    add(inBucket.get(k) ?? inBucket.set(k, nothingMoved()).get(k)!, m);
  }
  const rates = new Map<string, Promise<{ rate: string; date: string } | undefined>>();
  const rows: ReportRow[] = [];
  let i = 0;
  for (const [start, end] of spans) {
    if (start < from) continue;
    if (start >= to) break;
    const moved = byBucket.get(start) ?? new Map<string, Moved>();
    for (const [k, b] of moved) net.set(k, (net.get(k) ?? 0) + b.earned - b.spent + b.cleared + b.settled);
    for (; i < page.length && page[i]!.span[0] === start; i++) {
      const { peer, unit, key } = page[i]!;
      const b = moved.get(key) ?? nothingMoved();
      const balance = net.get(key) ?? 0;
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
        const day = end - DAY_MS;
        const key = JSON.stringify([unit, day]);
        if (!rates.has(key)) rates.set(key, unit === q.currency ? Promise.resolve({ rate: "1", date: iso(day) }) : rateFor(db, unit, q.currency, day));
        const rate = await rates.get(key)!;
        if (rate) Object.assign(row, { reportingCurrency: q.currency, netReporting: convertAmount(balance, unit, q.currency, rate.rate), rate: rate.rate, rateDate: rate.date });
      }
      rows.push(row);
    }
  }
  const lastRow = page[page.length - 1]!;
  return { rows, totals: summed, next: more ? encodeCursor(lastRow.span[0], lastRow.peer, lastRow.unit) : null };
}

export const REPORT_COLUMNS = ["start", "end", "peer", "unit", "earned", "spent", "cleared", "settled", "net", "gross", "savings", "reportingCurrency", "netReporting", "rate", "rateDate"] as const;

/** CSV with the ledger export's quoting (RFC 4180, formula prefixes neutralized); empty cells for null. Pages after the first go without the header, so that the pages joined are one file. */
export function reportCsv(rows: readonly ReportRow[], header = true): string {
  const lines = header ? [REPORT_COLUMNS.join(",")] : [];
  if (lines.length + rows.length === 0) return "";
  for (const r of rows) lines.push(REPORT_COLUMNS.map((c) => csvField(r[c] ?? "")).join(","));
  return lines.join("\r\n") + "\r\n";
}
