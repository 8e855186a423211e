// Authorization codes as stored, by hash.
import { and, eq, isNull, lt } from "drizzle-orm";
import type { Database } from "../database.ts";
import { oauthCodes } from "../schema/access.ts";

export type CodeRow = typeof oauthCodes.$inferSelect;

export async function insertCode(db: Database, values: typeof oauthCodes.$inferInsert): Promise<void> {
  await db.insert(oauthCodes).values(values);
}

export async function codeByHash(db: Database, codeHash: string): Promise<CodeRow | undefined> {
  const [row] = await db.select().from(oauthCodes).where(eq(oauthCodes.codeHash, codeHash)).limit(1);
  return row;
}

/** Marks the code used in one statement, so that of two racing exchanges only one gets the row. */
export async function markCodeUsed(db: Database, codeHash: string, at: number): Promise<CodeRow | undefined> {
  const [won] = await db
    .update(oauthCodes)
    .set({ usedAt: at })
    .where(and(eq(oauthCodes.codeHash, codeHash), isNull(oauthCodes.usedAt)))
    .returning();
  return won;
}

export async function linkCodeToSession(db: Database, codeHash: string, sessionId: string): Promise<void> {
  await db.update(oauthCodes).set({ sessionId }).where(eq(oauthCodes.codeHash, codeHash));
}

export async function deleteCodesExpiredBefore(db: Database, cutoff: number): Promise<void> {
  await db.delete(oauthCodes).where(lt(oauthCodes.expiresAt, cutoff));
}
