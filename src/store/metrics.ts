// Per-minute metric rollups (schema/metrics.ts): upserts that add, capped label sets, totals, pruning.
import { and, eq, gt, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import type { Database } from "./database.ts";
import { metricCounters, metricHistograms } from "./schema/metrics.ts";

/** The minute every pruned minute is folded into, so that exposed counters never go down. */
export const ALL_TIME_MINUTE = 0;

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

/** What an upsert sets each summed histogram column to: the stored value plus the new one. */
const addedHistogramColumns = () => ({
  count: sql`${metricHistograms.count} + excluded.count`,
  sum: sql`${metricHistograms.sum} + excluded.sum`,
  ...perBucket((b) => sql.raw(`"${b}" + excluded."${b}"`)),
});

/** Adds one flush's increments, every row in one batch. */
export async function addRollups(db: Database, counters: CounterDelta[], histograms: HistogramDelta[], cap: number): Promise<void> {
  const statements = [
    ...counters.map((c) =>
      db
        .insert(metricCounters)
        .values({ minute: c.minute, name: c.name, labels: cappedLabels(metricCounters, c, cap), value: c.value })
        .onConflictDoUpdate({ target: [metricCounters.minute, metricCounters.name, metricCounters.labels], set: { value: sql`${metricCounters.value} + excluded.value` } }),
    ),
    ...histograms.map((h) =>
      db
        .insert(metricHistograms)
        .values({
          minute: h.minute,
          name: h.name,
          labels: cappedLabels(metricHistograms, h, cap),
          count: h.count,
          sum: h.sum,
          ...perBucket((_, i) => h.buckets[i] ?? 0),
        })
        .onConflictDoUpdate({ target: [metricHistograms.minute, metricHistograms.name, metricHistograms.labels], set: addedHistogramColumns() }),
    ),
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

/** Every series summed over all the minutes kept (the folded all-time row included), or from `fromMinute` on. */
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

/**
 * One counter's sums from `fromMinute` on (the folded all-time row never), grouped by minute or by
 * one label's value; `matching` adds only the rows whose `match.label` is one of `match.values`.
 * One grouped statement, so the per-minute rows are summed in the store, not read out.
 */
export async function counterSums(
  db: Database,
  name: string,
  fromMinute: number,
  by: "minute" | { label: string },
  match: { label: string; values: string[] },
): Promise<{ key: number | string; total: number; matching: number }[]> {
  const key = by === "minute" ? sql`${metricCounters.minute}` : sql`json_extract(${metricCounters.labels}, ${`$.${by.label}`})`;
  const matched = sql`json_extract(${metricCounters.labels}, ${`$.${match.label}`}) IN (${sql.join(
    match.values.map((v) => sql`${v}`),
    sql`, `,
  )})`;
  return db
    .select({ key: sql<number | string>`${key}`, total: sql<number>`sum(${metricCounters.value})`, matching: sql<number>`coalesce(sum(CASE WHEN ${matched} THEN ${metricCounters.value} ELSE 0 END), 0)` })
    .from(metricCounters)
    .where(and(eq(metricCounters.name, name), gte(metricCounters.minute, Math.max(fromMinute, ALL_TIME_MINUTE + 1))))
    .groupBy(key);
}

/**
 * Folds the minutes before `beforeMinute` into the all-time row of each series, then deletes them:
 * totals stay whole while the per-minute rows stay few.
 */
export async function foldMinutes(db: Database, beforeMinute: number): Promise<void> {
  const old = (t: Table) => and(gt(t.minute, ALL_TIME_MINUTE), lt(t.minute, beforeMinute));
  await db.batch([
    db
      .insert(metricCounters)
      .select(
        db
          .select({ minute: sql<number>`${ALL_TIME_MINUTE}`.as("minute"), name: metricCounters.name, labels: metricCounters.labels, value: sql<number>`sum(${metricCounters.value})`.as("value") })
          .from(metricCounters)
          .where(old(metricCounters))
          .groupBy(metricCounters.name, metricCounters.labels),
      )
      .onConflictDoUpdate({ target: [metricCounters.minute, metricCounters.name, metricCounters.labels], set: { value: sql`${metricCounters.value} + excluded.value` } }),
    db
      .insert(metricHistograms)
      .select(
        db
          .select({
            minute: sql<number>`${ALL_TIME_MINUTE}`.as("minute"),
            name: metricHistograms.name,
            labels: metricHistograms.labels,
            count: sql<number>`sum(${metricHistograms.count})`.as("count"),
            sum: sql<number>`sum(${metricHistograms.sum})`.as("sum"),
            ...perBucket((b) => sql<number>`sum(${metricHistograms[b]})`.as(b)),
          })
          .from(metricHistograms)
          .where(old(metricHistograms))
          .groupBy(metricHistograms.name, metricHistograms.labels),
      )
      .onConflictDoUpdate({ target: [metricHistograms.minute, metricHistograms.name, metricHistograms.labels], set: addedHistogramColumns() }),
    db.delete(metricCounters).where(old(metricCounters)),
    db.delete(metricHistograms).where(old(metricHistograms)),
  ]);
}
