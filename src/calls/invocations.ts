// The invocation log: one row per tools/call, appended after the response is on its way.
import { desc } from "drizzle-orm";
import type { Database } from "../store/database.ts";
import { invocations } from "../store/schema.ts";

export type Invocation = typeof invocations.$inferInsert;
export type Outcome = Invocation["outcome"];

export async function appendInvocation(db: Database, row: Invocation): Promise<void> {
  await db.insert(invocations).values(row);
}

export function recentInvocations(db: Database, limit: number) {
  return db.select().from(invocations).orderBy(desc(invocations.id)).limit(limit);
}
