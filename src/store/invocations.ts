// The invocation log's rows: one per tools/call (src/node/calls/invocations.ts buffers them).
import { and, count, desc, eq, gte, lt, notInArray, sql } from "drizzle-orm";
import { chunks, type Database } from "./database.ts";
import { invocations } from "./schema/index.ts";

export type Invocation = typeof invocations.$inferInsert;

/** Writes the rows in one batch. */
export async function insertInvocations(db: Database, rows: Invocation[]): Promise<void> {
  const [first, ...rest] = chunks(rows, 9).map((c) => db.insert(invocations).values(c));
  if (first) await db.batch([first, ...rest]);
}

export function recentInvocations(db: Database, limit: number) {
  return db.select().from(invocations).orderBy(desc(invocations.id)).limit(limit);
}

export interface InvocationFilter {
  tool?: string | undefined;
  caller?: string | undefined;
  /** The upstream that ran it, or `peer:<node id>`. */
  upstream?: string | undefined;
  outcome?: Invocation["outcome"] | undefined;
  /** Rows older than this id: the next page. */
  before?: number | undefined;
}

/** One page of the log, newest first, narrowed by the filter. */
export function filteredInvocations(db: Database, f: InvocationFilter, limit: number) {
  const where = and(
    f.tool === undefined ? undefined : eq(invocations.toolName, f.tool),
    f.caller === undefined ? undefined : eq(invocations.caller, f.caller),
    f.upstream === undefined ? undefined : eq(invocations.upstream, f.upstream),
    f.outcome === undefined ? undefined : eq(invocations.outcome, f.outcome),
    f.before === undefined ? undefined : lt(invocations.id, f.before),
  );
  return db.select().from(invocations).where(where).orderBy(desc(invocations.id)).limit(limit);
}

/** Outcomes that count as served; every other one counts as an error. */
export const SERVED_OUTCOMES = ["ok", "cache_hit"] as const;

const failed = sql<number>`sum(case when ${notInArray(invocations.outcome, [...SERVED_OUTCOMES])} then 1 else 0 end)`;

/** Calls and errors since `at`, per minute after `at` (0-based) and per tool. */
export async function invocationCounts(db: Database, at: number) {
  // Cast: the driver may bind `at` as a real, and a real quotient would make a group per row.
  const minute = sql<number>`cast((${invocations.at} - ${at}) / 60000 as integer)`;
  const since = gte(invocations.at, at);
  const [perMinute, perTool] = await Promise.all([
    db.select({ minute, calls: count(), errors: failed }).from(invocations).where(since).groupBy(minute),
    db.select({ tool: invocations.toolName, calls: count(), errors: failed }).from(invocations).where(since).groupBy(invocations.toolName),
  ]);
  return { perMinute, perTool };
}

/** The durations of the newest `cap` calls since `at`, for latency percentiles. */
export function recentDurations(db: Database, at: number, cap: number) {
  return db
    .select({ toolName: invocations.toolName, durationMs: invocations.durationMs })
    .from(invocations)
    .where(gte(invocations.at, at))
    .orderBy(desc(invocations.at))
    .limit(cap);
}
