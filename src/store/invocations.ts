// The invocation log's rows: one per tools/call (src/node/calls/invocations.ts buffers them).
import { desc } from "drizzle-orm";
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
