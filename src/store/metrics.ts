// Per-minute metric rollups (schema/metrics.ts): upserts that add, capped label sets, the running
// totals per series, sums over a span of minutes, pruning.
import { and, eq, gte, inArray, lt, lte, sql, type SQL } from "drizzle-orm";
import type { Database } from "./database.ts";
import { metricCounters, metricCounterTotals, metricHistograms, metricHistogramTotals } from "./schema/metrics.ts";

export const BUCKET_COLUMNS = ["b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10"] as const;
type BucketColumn = (typeof BUCKET_COLUMNS)[number];

function perBucket<T>(value: (column: BucketColumn, i: number) => T): Record<BucketColumn, T> {
  return Object.fromEntries(BUCKET_COLUMNS.map((b, i) => [b, value(b, i)])) as Record<BucketColumn, T>;
}

interface Keyed {
  minute: number;
  name: string;
  /** Canonical JSON of the label set. */
  labels: string;
  /** The label set this row takes instead once the minute holds `cap` others for this name. */
  overflow: string;
}

export interface CounterDelta extends Keyed {
  value: number;
}

export interface HistogramDelta extends Keyed {
  count: number;
  sum: number;
  /** One count per bucket of BUCKET_COLUMNS, not cumulative. */
  buckets: number[];
}

type Table = typeof metricCounters | typeof metricHistograms;

/**
 * The label set a row is stored under: its own while the minute holds fewer than `cap` label sets
 * for its name (or already holds this one), else its overflow set. One expression inside the
 * insert, so that every process's rows count against one cap.
 */
function cappedLabels(t: Table, row: Keyed, cap: number): SQL {
  return sql`CASE WHEN EXISTS (SELECT 1 FROM ${t} WHERE ${t.minute} = ${row.minute} AND ${t.name} = ${row.name} AND ${t.labels} = ${row.labels})
    OR (SELECT count(*) FROM ${t} WHERE ${t.minute} = ${row.minute} AND ${t.name} = ${row.name}) < ${cap}
    THEN ${row.labels} ELSE ${row.overflow} END`;
}

/** What an upsert sets each summed column to: the stored value plus the new one (unqualified: the target table's). */
const added = (column: string) => sql.raw(`"${column}" + excluded."${column}"`);
const addedHistogramColumns = () => ({ count: added("count"), sum: added("sum"), ...perBucket((b) => added(b)) });

/**
 * Adds one flush's increments, every row in one batch: each to its minute and to its series'
 * running total, under the same capped label set (the total's upsert goes first, so both see the
 * minute as it was).
 */
export async function addRollups(db: Database, counters: CounterDelta[], histograms: HistogramDelta[], cap: number): Promise<void> {
  const statements = [
    ...counters.flatMap((c) => [
      db
        .insert(metricCounterTotals)
        .values({ name: c.name, labels: cappedLabels(metricCounters, c, cap), value: c.value })
        .onConflictDoUpdate({ target: [metricCounterTotals.name, metricCounterTotals.labels], set: { value: added("value") } }),
      db
        .insert(metricCounters)
        .values({ minute: c.minute, name: c.name, labels: cappedLabels(metricCounters, c, cap), value: c.value })
        .onConflictDoUpdate({ target: [metricCounters.minute, metricCounters.name, metricCounters.labels], set: { value: added("value") } }),
    ]),
    ...histograms.flatMap((h) => {
      const values = { name: h.name, labels: cappedLabels(metricHistograms, h, cap), count: h.count, sum: h.sum, ...perBucket((_, i) => h.buckets[i] ?? 0) };
      return [
        db.insert(metricHistogramTotals).values(values).onConflictDoUpdate({ target: [metricHistogramTotals.name, metricHistogramTotals.labels], set: addedHistogramColumns() }),
        db
          .insert(metricHistograms)
          .values({ minute: h.minute, ...values })
          .onConflictDoUpdate({ target: [metricHistograms.minute, metricHistograms.name, metricHistograms.labels], set: addedHistogramColumns() }),
      ];
    }),
  ];
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

export interface CounterTotal {
  name: string;
  labels: string;
  value: number;
}

export interface HistogramTotal {
  name: string;
  labels: string;
  count: number;
  sum: number;
  buckets: number[];
}

const histogramSums = {
  name: metricHistograms.name,
  labels: metricHistograms.labels,
  count: sql<number>`sum(${metricHistograms.count})`,
  sum: sql<number>`sum(${metricHistograms.sum})`,
  ...perBucket((b) => sql<number>`sum(${metricHistograms[b]})`),
};

function histogramTotal(r: Record<string, unknown>): HistogramTotal {
  return { name: String(r.name), labels: String(r.labels), count: Number(r.count), sum: Number(r.sum), buckets: BUCKET_COLUMNS.map((b) => Number(r[b])) };
}

/** Every series' running total, as GET /metrics shows it: one row per series, nothing summed. */
export async function seriesTotals(db: Database): Promise<{ counters: CounterTotal[]; histograms: HistogramTotal[] }> {
  const [counters, histograms] = await Promise.all([
    db.select({ name: metricCounterTotals.name, labels: metricCounterTotals.labels, value: metricCounterTotals.value }).from(metricCounterTotals).orderBy(metricCounterTotals.name, metricCounterTotals.labels),
    db.select().from(metricHistogramTotals).orderBy(metricHistogramTotals.name, metricHistogramTotals.labels),
  ]);
  return { counters, histograms: histograms.map(histogramTotal) };
}

/** Every series summed over the minutes kept, or from `fromMinute` on. */
export async function counterTotals(db: Database, opts: { fromMinute?: number; names?: string[] } = {}): Promise<CounterTotal[]> {
  const rows = await db
    .select({ name: metricCounters.name, labels: metricCounters.labels, value: sql<number>`sum(${metricCounters.value})` })
    .from(metricCounters)
    .where(and(opts.fromMinute !== undefined ? gte(metricCounters.minute, opts.fromMinute) : undefined, opts.names ? inArray(metricCounters.name, opts.names) : undefined))
    .groupBy(metricCounters.name, metricCounters.labels)
    .orderBy(metricCounters.name, metricCounters.labels);
  return rows.map((r) => ({ ...r, value: Number(r.value) }));
}

export async function histogramTotals(db: Database, opts: { fromMinute?: number; names?: string[] } = {}): Promise<HistogramTotal[]> {
  const rows = await db
    .select(histogramSums)
    .from(metricHistograms)
    .where(and(opts.fromMinute !== undefined ? gte(metricHistograms.minute, opts.fromMinute) : undefined, opts.names ? inArray(metricHistograms.name, opts.names) : undefined))
    .groupBy(metricHistograms.name, metricHistograms.labels)
    .orderBy(metricHistograms.name, metricHistograms.labels);
  return rows.map(histogramTotal);
}

/** One counter's rows from `fromMinute` on, per minute and label set. */
export async function counterRows(db: Database, name: string, fromMinute: number): Promise<{ minute: number; labels: string; value: number }[]> {
  return db
    .select({ minute: metricCounters.minute, labels: metricCounters.labels, value: metricCounters.value })
    .from(metricCounters)
    .where(and(eq(metricCounters.name, name), gte(metricCounters.minute, fromMinute)))
    .orderBy(metricCounters.minute);
}

/** A span of minutes, both ends included. */
export interface MinuteSpan {
  from: number;
  to: number;
}

/**
 * The rows a read groups, folded by the store into one JSON array: one row and one JSON.parse
 * instead of a row per group, each of which the client builds column by column.
 */
async function foldedRows<T>(db: Database, rows: SQL): Promise<T[]> {
  const [row] = await db.all<{ rows: string }>(sql`SELECT json_group_array(json(item)) AS rows FROM (${rows})`);
  return row ? (JSON.parse(row.rows) as T[]) : [];
}

/**
 * One counter's sums per minute of the span and value of one label; `matching` adds only the rows
 * whose `match.label` is one of `match.values`. One grouped statement, one row back.
 */
export async function counterMinuteSums(
  db: Database,
  name: string,
  span: MinuteSpan,
  label: string,
  match: { label: string; values: string[] },
): Promise<{ minute: number; key: string; total: number; matching: number }[]> {
  const key = sql`json_extract(${metricCounters.labels}, ${`$.${label}`})`;
  const matched = sql`json_extract(${metricCounters.labels}, ${`$.${match.label}`}) IN (${sql.join(
    match.values.map((v) => sql`${v}`),
    sql`, `,
  )})`;
  const rows = await foldedRows<[number, string | null, number, number]>(
    db,
    sql`SELECT json_array(${metricCounters.minute}, ${key}, sum(${metricCounters.value}), coalesce(sum(CASE WHEN ${matched} THEN ${metricCounters.value} ELSE 0 END), 0)) AS item
      FROM ${metricCounters} WHERE ${and(eq(metricCounters.name, name), gte(metricCounters.minute, span.from), lte(metricCounters.minute, span.to))}
      GROUP BY ${metricCounters.minute}, ${key}`,
  );
  return rows.map(([minute, k, total, matching]) => ({ minute, key: String(k), total, matching }));
}

/** One histogram's counts in the span, as stored: one per minute and label set (parsed), without the sums. */
export async function histogramMinuteCounts(db: Database, name: string, span: MinuteSpan): Promise<{ minute: number; labels: Record<string, string>; count: number; buckets: number[] }[]> {
  const t = metricHistograms;
  const rows = await foldedRows<[number, Record<string, string>, number, ...number[]]>(
    db,
    sql`SELECT json_array(${t.minute}, json(${t.labels}), ${t.count}, ${sql.join(
      BUCKET_COLUMNS.map((b) => t[b]),
      sql`, `,
    )}) AS item FROM ${t} WHERE ${and(eq(t.name, name), gte(t.minute, span.from), lte(t.minute, span.to))}`,
  );
  return rows.map(([minute, labels, count, ...buckets]) => ({ minute, labels, count, buckets }));
}

/** Deletes the minutes before `beforeMinute`; the running totals keep what they counted. */
export async function pruneMinutes(db: Database, beforeMinute: number): Promise<void> {
  await db.batch([db.delete(metricCounters).where(lt(metricCounters.minute, beforeMinute)), db.delete(metricHistograms).where(lt(metricHistograms.minute, beforeMinute))]);
}
