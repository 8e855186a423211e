// Metrics as per-minute rollups: every process and isolate of a node adds its counts to the same
// rows with upserts, so the store holds the node's totals (src/node/metrics/). The same upserts
// keep a running total per series, which GET /metrics reads without summing minutes.
import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The histogram bucket columns, in the order of HISTOGRAM_BOUNDS_MS. */
export const BUCKET_COLUMNS = ["b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10"] as const;

/** One column per histogram bucket, so that an upsert adds to each atomically. */
const bucketColumns = () => ({
  b0: integer("b0").notNull(),
  b1: integer("b1").notNull(),
  b2: integer("b2").notNull(),
  b3: integer("b3").notNull(),
  b4: integer("b4").notNull(),
  b5: integer("b5").notNull(),
  b6: integer("b6").notNull(),
  b7: integer("b7").notNull(),
  b8: integer("b8").notNull(),
  b9: integer("b9").notNull(),
  b10: integer("b10").notNull(),
});

/** A counter's increments in one minute, per metric name and label set (canonical JSON). */
export const metricCounters = sqliteTable(
  "metric_counters",
  {
    /** Minutes since the epoch. */
    minute: integer("minute").notNull(),
    name: text("name").notNull(),
    labels: text("labels").notNull(),
    value: integer("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.name, t.labels] })],
);

/**
 * A histogram's observations in one minute. The buckets are fixed (HISTOGRAM_BOUNDS_MS in
 * src/node/metrics/definitions.ts), one column each, so that an upsert adds to each atomically;
 * a bucket counts the observations above the previous bound and at most its own (not cumulative).
 */
export const metricHistograms = sqliteTable(
  "metric_histograms",
  {
    minute: integer("minute").notNull(),
    name: text("name").notNull(),
    labels: text("labels").notNull(),
    count: integer("count").notNull(),
    sum: real("sum").notNull(),
    ...bucketColumns(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.name, t.labels] })],
);

/** Each counter series' total since the node began keeping totals: what GET /metrics shows. */
export const metricCounterTotals = sqliteTable(
  "metric_counter_totals",
  {
    name: text("name").notNull(),
    labels: text("labels").notNull(),
    value: integer("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.labels] })],
);

/** Each histogram series' running total, its buckets as in metric_histograms. */
export const metricHistogramTotals = sqliteTable(
  "metric_histogram_totals",
  {
    name: text("name").notNull(),
    labels: text("labels").notNull(),
    count: integer("count").notNull(),
    sum: real("sum").notNull(),
    ...bucketColumns(),
  },
  (t) => [primaryKey({ columns: [t.name, t.labels] })],
);

/** What the console's call figures add up per key: calls, the errors among them, and their latency histogram. */
const callColumns = () => ({
  calls: integer("calls").notNull(),
  errors: integer("errors").notNull(),
  count: integer("count").notNull(),
  ...bucketColumns(),
});

/**
 * The calls of one minute as the console shows them, summed by the recorders' flushes: per tool
 * (`scope` "tool"), per providing peer ("peer", latency only) and in all ("all", key ""). A few rows
 * a minute instead of every label set, with at most MAX_LABEL_SETS keys per minute and scope.
 */
export const callMinutes = sqliteTable(
  "call_minutes",
  {
    minute: integer("minute").notNull(),
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    ...callColumns(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.scope, t.key] })],
);

/**
 * Per window length (minutes), the sum of `call_minutes` over the minutes its span holds, so a
 * reader of the window reads one row per key whichever process it is. Kept exact by each flush
 * (an increment to a minute inside the span is added here in the same batch) and by moving the
 * span (the minutes that enter added, those that leave taken off, as stored).
 */
export const callWindow = sqliteTable(
  "call_window",
  {
    window: integer("window").notNull(),
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    ...callColumns(),
  },
  (t) => [primaryKey({ columns: [t.window, t.scope, t.key] })],
);

/** Which minutes `call_window` holds for each window length: `first`..`last`, both included. */
export const callWindowSpans = sqliteTable("call_window_spans", {
  window: integer("window").primaryKey(),
  first: integer("first").notNull(),
  last: integer("last").notNull(),
});
