// The invocation log's rows: one per tools/call (src/node/calls/invocations.ts buffers them).
import { and, desc, eq, lt } from "drizzle-orm";
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

