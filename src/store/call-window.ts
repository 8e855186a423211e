// The console's call figures in the store (schema/metrics.ts): each minute's calls per tool, per
// providing peer and in all, added by the recorders' flushes, and per window length the sum over
// a span of minutes, kept exact in the same batches, so that any process reads a window as one
// row per key instead of summing its minutes.
import { and, eq, gte, lt, lte, or, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Database } from "./database.ts";
import { BUCKET_COLUMNS, callMinutes, callWindow, callWindowSpans } from "./schema/metrics.ts";

export type CallScope = "all" | "tool" | "peer";

/** One key's calls, the errors among them, and their latency (`buckets` as in BUCKET_COLUMNS). */
export interface CallSums {
  calls: number;
  errors: number;
  count: number;
  buckets: number[];
}

/** A flush's increment to one minute's key. */
export interface CallDelta extends CallSums {
  minute: number;
  scope: CallScope;
  key: string;
}

export interface CallRow extends CallSums {
  scope: CallScope;
  key: string;
}

/** The minutes a window's sums hold, both ends included. */
export interface Span {
  first: number;
  last: number;
}

const SUMMED = ["calls", "errors", "count", ...BUCKET_COLUMNS] as const;
type Summed = (typeof SUMMED)[number];

const added = (column: Summed) => sql.raw(`"${column}" + excluded."${column}"`);
/** One aliased select field per summed column, named as the column (for INSERT … SELECT). */
const summedFields = (value: (c: Summed) => SQL) => Object.fromEntries(SUMMED.map((c) => [c, value(c).as(c)])) as Record<Summed, SQL.Aliased<number>>;
const addedColumns = () => Object.fromEntries(SUMMED.map((c) => [c, added(c)])) as Record<Summed, SQL>;

/**
 * The key an increment is kept under: its own while the minute holds fewer than `cap` keys of its
 * scope (or already holds this one), else `overflow`. Evaluated against `call_minutes`, so every
 * process's keys count against one cap.
 */
function cappedKey(d: CallDelta, cap: number, overflow: string): SQL {
  const t = callMinutes;
  return sql`CASE WHEN EXISTS (SELECT 1 FROM ${t} WHERE ${t.minute} = ${d.minute} AND ${t.scope} = ${d.scope} AND ${t.key} = ${d.key})
    OR (SELECT count(*) FROM ${t} WHERE ${t.minute} = ${d.minute} AND ${t.scope} = ${d.scope}) < ${cap}
    THEN ${d.key} ELSE ${overflow} END`;
}

const valuesOf = (d: CallSums) => ({ calls: d.calls, errors: d.errors, count: d.count, ...Object.fromEntries(BUCKET_COLUMNS.map((b, i) => [b, d.buckets[i] ?? 0])) }) as Record<Summed, number>;

// The increments as a VALUES list: minute, scope, key, then SUMMED. Numbers and scopes are
// written as literals (they are integers and one of three names), so a row binds its key alone
// and a chunk stays under D1's parameter limit.
const literal = (n: number) => {
  if (!Number.isSafeInteger(n)) throw new TypeError(`not an integer: ${n}`);
  return sql.raw(String(n));
};
const SCOPES: Record<CallScope, SQL> = { all: sql.raw("'all'"), tool: sql.raw("'tool'"), peer: sql.raw("'peer'") };
const deltaRow = (d: CallDelta) => {
  const values = valuesOf(d);
  return sql`(${literal(d.minute)}, ${SCOPES[d.scope]}, ${d.key}, ${sql.join(
    SUMMED.map((c) => literal(values[c])),
    sql`, `,
  )})`;
};
const deltaColumn = (i: number) => sql.raw(`d.column${i}`);
// D1 binds at most 100 parameters: a row's key, and the statement's overflow key.
const DELTAS_PER_STATEMENT = 90;

/**
 * The statements that add a flush's call increments, for the flush's own batch: one upsert per
 * minute's key (the cap is counted row by row), then one per chunk that adds the increments to
 * every window whose span holds their minute, under the key the minute's row took (its own when
 * the minute holds it now, else `overflow`: the batch is atomic, and a flush has one increment
 * per minute, scope and key).
 */
export function callDeltaStatements(db: Database, deltas: CallDelta[], cap: number, overflow: string) {
  const minutes = deltas.map((d) =>
    db
      .insert(callMinutes)
      .values({ minute: d.minute, scope: d.scope, key: cappedKey(d, cap, overflow), ...valuesOf(d) })
      .onConflictDoUpdate({ target: [callMinutes.minute, callMinutes.scope, callMinutes.key], set: addedColumns() }),
  );
  const t = callMinutes;
  const s = callWindowSpans;
  const [minute, scope, key] = [deltaColumn(1), deltaColumn(2), deltaColumn(3)];
  const keptKey = sql<string>`CASE WHEN EXISTS (SELECT 1 FROM ${t} WHERE ${t.minute} = ${minute} AND ${t.scope} = ${scope} AND ${t.key} = ${key}) THEN ${key} ELSE ${overflow} END`;
  const windows = [];
  for (let i = 0; i < deltas.length; i += DELTAS_PER_STATEMENT) {
    const rows = sql.join(deltas.slice(i, i + DELTAS_PER_STATEMENT).map(deltaRow), sql`, `);
    windows.push(
      db
        .insert(callWindow)
        .select(
          db
            .select({ window: s.window, scope: sql<string>`${scope}`.as("scope"), key: keptKey.as("key"), ...summedFields((c) => deltaColumn(4 + SUMMED.indexOf(c))) })
            .from(s)
            .innerJoin(sql`(VALUES ${rows}) AS d`, and(lte(s.first, minute), gte(s.last, minute))!)
            // A WHERE keeps SQLite from reading the join's ON as the upsert's.
            .where(sql`true`),
        )
        .onConflictDoUpdate({ target: [callWindow.window, callWindow.scope, callWindow.key], set: addedColumns() }),
    );
  }
  return [...minutes, ...windows];
}

type Folded = [CallScope, string, number, number, number, ...number[]];
const rowOf = ([scope, key, calls, errors, count, ...buckets]: Folded): CallRow => ({ scope, key, calls, errors, count, buckets });
const foldedSums = (t: typeof callMinutes | typeof callWindow, sums: (c: Summed) => SQLWrapper) =>
  sql`json_group_array(json_array(${t.scope}, ${t.key}, ${sql.join(
    SUMMED.map((c) => sums(c)),
    sql`, `,
  )}))`;

export interface WindowRead {
  /** The minutes `keys` sums; null when the window has no sums kept. */
  span: Span | null;
  keys: CallRow[];
  /** Calls and errors of each minute from..to that has any, as stored. */
  perMinute: { minute: number; calls: number; errors: number }[];
}

const perMinuteOf = (from: number, to: number) => {
  const t = callMinutes;
  return sql`(SELECT json_group_array(json_array(${t.minute}, ${t.calls}, ${t.errors})) FROM ${t} WHERE ${t.scope} = 'all' AND ${t.minute} >= ${from} AND ${t.minute} <= ${to})`;
};

function parsed(row: { span: string | null; keys: string; perMinute: string }): WindowRead {
  const span = row.span ? (JSON.parse(row.span) as [number, number]) : null;
  return {
    span: span ? { first: span[0], last: span[1] } : null,
    keys: (JSON.parse(row.keys) as Folded[]).map(rowOf),
    perMinute: (JSON.parse(row.perMinute) as [number, number, number][]).map(([minute, calls, errors]) => ({ minute, calls, errors })),
  };
}

/** What a read takes: the keys of these scopes, and each minute's totals or not. */
export interface WindowQuery {
  scopes: CallScope[];
  perMinute: boolean;
}

const inScopes = (t: typeof callMinutes | typeof callWindow, q: WindowQuery) =>
  sql`${t.scope} IN (${sql.join(
    q.scopes.map((c) => sql`${c}`),
    sql`, `,
  )})`;
const perMinuteIf = (q: WindowQuery, from: number, to: number) => (q.perMinute ? perMinuteOf(from, to) : sql`'[]'`);

/**
 * A window's kept sums with the span they cover, and the minutes from..to of the "all" key: one
 * statement, so the sums and their span are read as of one moment.
 */
export async function readWindow(db: Database, window: number, from: number, to: number, q: WindowQuery): Promise<WindowRead> {
  const w = callWindow;
  const s = callWindowSpans;
  const [row] = await db.all<{ span: string | null; keys: string; perMinute: string }>(sql`SELECT
    (SELECT json_array(${s.first}, ${s.last}) FROM ${s} WHERE ${s.window} = ${window}) AS span,
    (SELECT ${foldedSums(w, (c) => w[c])} FROM ${w} WHERE ${w.window} = ${window} AND ${inScopes(w, q)}) AS keys,
    ${perMinuteIf(q, from, to)} AS perMinute`);
  return parsed(row!);
}

/** The minutes from..to summed per key, read from the minutes themselves (a window no sums are kept for). */
export async function sumMinutes(db: Database, from: number, to: number, q: WindowQuery): Promise<WindowRead> {
  const t = callMinutes;
  const [row] = await db.all<{ span: string | null; keys: string; perMinute: string }>(sql`SELECT
    NULL AS span,
    (SELECT ${foldedSums(t, (c) => t[c])} FROM (SELECT ${t.scope}, ${t.key}, ${sql.join(
      SUMMED.map((c) => sql`sum(${t[c]}) AS ${sql.identifier(c)}`),
      sql`, `,
    )} FROM ${t} WHERE ${t.minute} >= ${from} AND ${t.minute} <= ${to} AND ${inScopes(t, q)} GROUP BY ${t.scope}, ${t.key}) AS ${t}) AS keys,
    ${perMinuteIf(q, from, to)} AS perMinute`);
  return parsed(row!);
}

/**
 * Moves a window's span from `seen` (as its reader found it; null: none kept) to `to`, in one
 * batch: the minutes that enter are added, those that leave taken off, as stored; with no minute in
 * common the sums start again. Every statement applies only while the span is still `seen`, so
 * of several processes moving it at once one does and the others change nothing.
 */
export async function moveWindow(db: Database, window: number, seen: Span | null, to: Span): Promise<void> {
  const from = seen ?? { first: to.first, last: to.first - 1 };
  const unmoved = and(eq(callWindowSpans.window, window), eq(callWindowSpans.first, from.first), eq(callWindowSpans.last, from.last));
  const stillSeen = sql`EXISTS (SELECT 1 FROM ${callWindowSpans} WHERE ${unmoved})`;
  const t = callMinutes;
  const overlap = from.last >= to.first && from.first <= to.last;
  // Entering: the minutes of `to` after the span; leaving: those of the span before `to`.
  const enter = { from: overlap ? Math.max(from.last + 1, to.first) : to.first, to: to.last };
  const leave = { from: from.first, to: overlap ? Math.min(from.last, to.first - 1) : from.first - 1 };
  const signed = (c: Summed) => sql`sum(CASE WHEN ${t.minute} >= ${enter.from} THEN ${t[c]} ELSE -${t[c]} END)`;
  const moved = db
    .insert(callWindow)
    .select(
      db
        .select({ window: sql<number>`${window}`.as("window"), scope: t.scope, key: t.key, ...summedFields(signed) })
        .from(t)
        .where(and(or(and(gte(t.minute, enter.from), lte(t.minute, enter.to)), and(gte(t.minute, leave.from), lte(t.minute, leave.to))), stillSeen))
        .groupBy(t.scope, t.key),
    )
    .onConflictDoUpdate({ target: [callWindow.window, callWindow.scope, callWindow.key], set: addedColumns() });
  const [first, ...rest] = [
    // Only a reader that saw no span starts one: one that saw a span now gone (a restore) must not put it back over no sums.
    ...(seen === null ? [db.insert(callWindowSpans).values({ window, ...from }).onConflictDoNothing()] : []),
    ...(overlap ? [] : [db.delete(callWindow).where(and(eq(callWindow.window, window), stillSeen))]),
    moved,
    // Keys whose calls all left the window.
    db.delete(callWindow).where(and(eq(callWindow.window, window), eq(callWindow.calls, 0), eq(callWindow.count, 0))),
    db.update(callWindowSpans).set(to).where(unmoved),
  ];
  await db.batch([first!, ...rest]);
}

/** Deletes the minutes before `beforeMinute`. */
export async function pruneCallMinutes(db: Database, beforeMinute: number): Promise<void> {
  await db.delete(callMinutes).where(lt(callMinutes.minute, beforeMinute));
}
