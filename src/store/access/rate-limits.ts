// Rate limits as stored, with the fixed-window counters and the concurrency leases they count in.
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Database } from "../database.ts";
import { rateCounters, rateLeases, rateLimits } from "../schema/access.ts";

export type LimitRow = typeof rateLimits.$inferSelect;

/** Oldest first; the first `limit` only when given. */
export function listLimits(db: Database, limit?: number): Promise<LimitRow[]> {
  const q = db.select().from(rateLimits).orderBy(rateLimits.createdAt);
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

/** One call counted in a window (`n`: the count with it), or one lease taken if fewer than `max` are live (`n` = 1; no row when full). */
export type LimitStep =
  | { kind: "count"; key: string; windowStart: number }
  | { kind: "lease"; id: string; key: string; now: number; expiresAt: number; max: number };

/** Runs every step in one batch: one transaction, one round trip. The rows of each step, in order. */
export async function takeLimitSteps(db: Database, steps: LimitStep[]): Promise<{ n: number }[][]> {
  const [first, ...rest] = steps.map((s) =>
    s.kind === "count"
      ? db.all<{ n: number }>(sql`
            INSERT INTO rate_counters (key, window_start, count) VALUES (${s.key}, ${s.windowStart}, 1)
            ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1
            RETURNING count AS n`)
      : // Counting and inserting in one statement: no other writer can slip in between.
        db.all<{ n: number }>(sql`
            INSERT INTO rate_leases (id, key, expires_at)
            SELECT ${s.id}, ${s.key}, ${s.expiresAt}
            WHERE (SELECT count(*) FROM rate_leases WHERE key = ${s.key} AND expires_at > ${s.now}) < ${s.max}
            RETURNING 1 AS n`),
  );
  return (await db.batch([first!, ...rest])) as { n: number }[][];
}

/** A fixed window that counts only while it is below `limit` (at least 1). */
export interface BoundedWindow {
  key: string;
  windowStart: number;
  limit: number;
}

/**
 * Counts one event in every window below its limit, in one batch: per window, the count with it,
 * or undefined where the window was full and nothing was counted there.
 */
export async function countBelowLimits(db: Database, windows: BoundedWindow[]): Promise<(number | undefined)[]> {
  const [first, ...rest] = windows.map((w) =>
    // A full window's row is left as it is, and the statement returns no row.
    db.all<{ n: number }>(sql`
        INSERT INTO rate_counters (key, window_start, count) VALUES (${w.key}, ${w.windowStart}, 1)
        ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1 WHERE count < ${w.limit}
        RETURNING count AS n`),
  );
  // One statement needs no transaction around it.
  const rows = (rest.length === 0 ? [await first!] : await db.batch([first!, ...rest])) as { n: number }[][];
  return rows.map((r) => r[0]?.n);
}

/** Takes back one event counted in each window. */
export async function uncount(db: Database, windows: Omit<BoundedWindow, "limit">[]): Promise<void> {
  for (const w of windows) {
    await db
      .update(rateCounters)
      .set({ count: sql`${rateCounters.count} - 1` })
      .where(and(eq(rateCounters.key, w.key), eq(rateCounters.windowStart, w.windowStart)));
  }
}

export async function releaseLeases(db: Database, ids: string[]): Promise<void> {
  await db.delete(rateLeases).where(inArray(rateLeases.id, ids));
}

/** Counts one event under `key` in the window starting at `windowStart`; the count with it. */
export async function countInWindow(db: Database, key: string, windowStart: number): Promise<number> {
  const [row] = await db
    .insert(rateCounters)
    .values({ key, windowStart, count: 1 })
    .onConflictDoUpdate({ target: [rateCounters.key, rateCounters.windowStart], set: { count: sql`${rateCounters.count} + 1` } })
    .returning({ count: rateCounters.count });
  return row!.count;
}

export async function countOfWindow(db: Database, key: string, windowStart: number): Promise<number> {
  const [row] = await db
    .select({ count: rateCounters.count })
    .from(rateCounters)
    .where(and(eq(rateCounters.key, key), eq(rateCounters.windowStart, windowStart)));
  return row?.count ?? 0;
}

/** Drops windows that started before `windowsBefore` and leases expired by `now`. */
export async function pruneRateState(db: Database, windowsBefore: number, now: number): Promise<void> {
  await db.delete(rateCounters).where(lt(rateCounters.windowStart, windowsBefore));
  await db.delete(rateLeases).where(lt(rateLeases.expiresAt, now));
}
