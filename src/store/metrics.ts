// Per-minute metric rollups (schema/metrics.ts): upserts that add, capped label sets, the running
// totals per series, sums over a span of minutes, pruning.
import { and, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import type { Database } from "./database.ts";
import { callDeltaStatements, type CallDelta } from "./call-window.ts";
import { BUCKET_COLUMNS, metricCounters, metricCounterTotals, metricHistograms, metricHistogramTotals } from "./schema/metrics.ts";
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
 * minute as it was); and the calls among them to the console's call figures (`calls`, capped at
 * `cap` keys per minute and scope, the rest under `overflow`).
 */
export async function addRollups(db: Database, counters: CounterDelta[], histograms: HistogramDelta[], cap: number, calls: CallDelta[], overflow: string): Promise<void> {
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
    ...callDeltaStatements(db, calls, cap, overflow),
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

/** Deletes the minutes before `beforeMinute`; the running totals keep what they counted. */
export async function pruneMinutes(db: Database, beforeMinute: number): Promise<void> {
  await db.batch([db.delete(metricCounters).where(lt(metricCounters.minute, beforeMinute)), db.delete(metricHistograms).where(lt(metricHistograms.minute, beforeMinute))]);
}
