// API tokens as stored: only a hash of each token is kept.
import { desc, eq } from "drizzle-orm";
import type { Database } from "../database.ts";
import { apiTokens } from "../schema/access.ts";
import { createdAfter, type CreatedAfter } from "./list-cursor.ts";

export type ApiTokenRow = typeof apiTokens.$inferSelect;

export async function insertApiToken(db: Database, values: typeof apiTokens.$inferInsert): Promise<ApiTokenRow> {
  const [row] = await db.insert(apiTokens).values(values).returning();
  return row!;
}

/** Newest first (then by id, descending); the first `limit` only when given, after `after` when given. */
export function listApiTokens(db: Database, limit?: number, after?: CreatedAfter): Promise<ApiTokenRow[]> {
  const q = db
    .select()
    .from(apiTokens)
    .where(after ? createdAfter(apiTokens.createdAt, apiTokens.id, after, "desc") : undefined)
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
  return limit === undefined ? q : q.limit(limit);
}

/** Marks the token revoked; the row, or undefined when there is no such token. */
export async function revokeApiToken(db: Database, id: string): Promise<ApiTokenRow | undefined> {
  const [row] = await db.update(apiTokens).set({ revokedAt: Date.now() }).where(eq(apiTokens.id, id)).returning();
  return row;
}

export async function apiTokenByHash(db: Database, tokenHash: string): Promise<ApiTokenRow | undefined> {
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).limit(1);
  return row;
}

export function markApiTokenUsed(db: Database, id: string, at: number): Promise<unknown> {
  return db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
}
