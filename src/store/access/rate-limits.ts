// Rate limits as stored, with the sliding windows' counts (one row per key and slot) and the
// concurrency leases they count in.
import { and, eq, gt, gte, inArray, lt, sql, type Placeholder } from "drizzle-orm";
import { prepareOnce, type Database } from "../database.ts";
import { rateCounters, rateLeases, rateLimits } from "../schema/access.ts";
import { createdAfter, type CreatedAfter } from "./list-cursor.ts";

export type LimitRow = typeof rateLimits.$inferSelect;

/** Oldest first (then by id); the first `limit` only when given, after `after` when given. */
export function listLimits(db: Database, limit?: number, after?: CreatedAfter): Promise<LimitRow[]> {
  const q = db
    .select()
    .from(rateLimits)
    .where(after ? createdAfter(rateLimits.createdAt, rateLimits.id, after, "asc") : undefined)
    .orderBy(rateLimits.createdAt, rateLimits.id);
  return limit === undefined ? q : q.limit(limit);
}

export async function insertLimit(db: Database, values: typeof rateLimits.$inferInsert): Promise<LimitRow> {
  const [row] = await db.insert(rateLimits).values(values).returning();
  return row!;
}

/** False when there was no such limit. */
export async function deleteLimit(db: Database, id: string): Promise<boolean> {
  const rows = await db.delete(rateLimits).where(eq(rateLimits.id, id)).returning({ id: rateLimits.id });
  return rows.length > 0;
}

/** The slots of one key's sliding window (src/node/access/limits/sliding-window.ts). */
export interface WindowSlots {
  key: string;
  /** The slot an event is counted in. */
  at: number;
  /** The oldest slot the window sums. */
  from: number;
}

/** One call counted in a window (`n`: the window's sum with it), or one lease taken if fewer than `max` are live (`n` = 1; no row when full). */
export type LimitStep = ({ kind: "count" } & WindowSlots) | { kind: "lease"; id: string; key: string; now: number; expiresAt: number; max: number };

// Counting and summing the window in one statement: the sum a check reads already holds every
// event counted before it, its own included, so no other writer can slip in between. A check
// whose sum is over its limit is refused and taken back (uncount), never admitted; until then it
// can only make another check see more, never less. A plain upsert returning the sum costs about
// what the fixed window's upsert did; the conditional INSERT … SELECT … RETURNING it replaces
// cost twice as much (scripts/bench/rate-limits.ts). Both statements here are query builders, not
// raw SQL: D1's batch binds only the statements drizzle prepares for builders.
type Bound<T> = { [K in keyof T]: T[K] | Placeholder };
const countAndSum = (db: Database, w: Bound<WindowSlots>) =>
  db
    .insert(rateCounters)
    .values({ key: w.key, windowStart: w.at, count: 1 })
    .onConflictDoUpdate({ target: [rateCounters.key, rateCounters.windowStart], set: { count: sql`${rateCounters.count} + 1` } })
    .returning({ n: sql<number>`(SELECT sum(count) FROM rate_counters WHERE key = ${w.key} AND window_start >= ${w.from})` });

// A lease row only while fewer than `max` of the key's leases are live: no row, no lease.
const leaseIfRoom = (db: Database, s: Extract<LimitStep, { kind: "lease" }>) =>
  db
    .insert(rateLeases)
    .select(sql`SELECT ${s.id}, ${s.key}, ${s.expiresAt} WHERE (SELECT count(*) FROM rate_leases WHERE key = ${s.key} AND expires_at > ${s.now}) < ${s.max}`)
    .returning({ n: sql<number>`1` });

// The common case, one window: its statement built once per database with placeholders. drizzle's
// batch cannot take it (it binds a prepared query's parameters as built, placeholders unfilled), so
// two or more steps still build theirs.
const countAndSumPrepared = (db: Database, w: WindowSlots) =>
  prepareOnce(db, "rateCountAndSum", () =>
    countAndSum(db, { key: sql.placeholder("key"), at: sql.placeholder("at"), from: sql.placeholder("from") }).prepare(),
  ).all({ key: w.key, at: w.at, from: w.from });

/** Runs every step in one batch: one transaction, one round trip. The rows of each step (none where a lease was refused), in order. */
export async function takeLimitSteps(db: Database, steps: LimitStep[]): Promise<{ n: number }[][]> {
  // One statement needs no transaction around it.
  if (steps.length === 1 && steps[0]!.kind === "count") return [await countAndSumPrepared(db, steps[0]!)];
  const [first, ...rest] = steps.map((s) => (s.kind === "count" ? countAndSum(db, s) : leaseIfRoom(db, s)));
  return (await db.batch([first!, ...rest])) as { n: number }[][];
}

/** Counts one event in every window, in one batch: per window, its sum with this event. */
export async function countInWindows(db: Database, windows: WindowSlots[]): Promise<number[]> {
  const rows = windows.length === 1 ? [await countAndSumPrepared(db, windows[0]!)] : ((await db.batch(windows.map((w) => countAndSum(db, w)) as [ReturnType<typeof countAndSum>])) as { n: number }[][]);
  return rows.map((r) => Number(r[0]!.n));
}

/** Takes back one event counted in each window's current slot. */
export async function uncount(db: Database, windows: Omit<WindowSlots, "from">[]): Promise<void> {
  for (const w of windows) {
    await db
      .update(rateCounters)
      .set({ count: sql`${rateCounters.count} - 1` })
      .where(and(eq(rateCounters.key, w.key), eq(rateCounters.windowStart, w.at)));
  }
}

export async function releaseLeases(db: Database, ids: string[]): Promise<void> {
  await db.delete(rateLeases).where(inArray(rateLeases.id, ids));
}

const sumOf = (db: Database, w: Omit<WindowSlots, "at">) =>
  db
    .select({ count: sql<number>`coalesce(sum(${rateCounters.count}), 0)` })
    .from(rateCounters)
    .where(and(eq(rateCounters.key, w.key), gte(rateCounters.windowStart, w.from)));

export async function countOfWindow(db: Database, w: Omit<WindowSlots, "at">): Promise<number> {
  const [row] = await sumOf(db, w);
  return Number(row!.count);
}

/** The window's slots that hold events, oldest first. */
export async function slotsOf(db: Database, w: Omit<WindowSlots, "at">): Promise<{ start: number; count: number }[]> {
  return db
    .select({ start: rateCounters.windowStart, count: rateCounters.count })
    .from(rateCounters)
    .where(and(eq(rateCounters.key, w.key), gte(rateCounters.windowStart, w.from), gt(rateCounters.count, 0)))
    .orderBy(rateCounters.windowStart);
}

/** Drops slots that started before `windowsBefore` and leases expired by `now`. */
export async function pruneRateState(db: Database, windowsBefore: number, now: number): Promise<void> {
  await db.delete(rateCounters).where(lt(rateCounters.windowStart, windowsBefore));
  await db.delete(rateLeases).where(lt(rateLeases.expiresAt, now));
}
