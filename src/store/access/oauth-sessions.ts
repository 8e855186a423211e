// OAuth sessions as stored: one per authorization, with its refresh token's hash and generation.
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Database } from "../database.ts";
import { oauthClients, oauthSessions } from "../schema/access.ts";

export type SessionRow = typeof oauthSessions.$inferSelect;

export async function insertSession(db: Database, values: typeof oauthSessions.$inferInsert): Promise<SessionRow> {
  const [session] = await db.insert(oauthSessions).values(values).returning();
  return session!;
}

/** Revokes a session not yet revoked; false when there was none. */
export async function revokeSession(db: Database, id: string, reason: string): Promise<boolean> {
  const rows = await db
    .update(oauthSessions)
    .set({ revokedAt: Date.now(), revokedReason: reason })
    .where(and(eq(oauthSessions.id, id), isNull(oauthSessions.revokedAt)))
    .returning({ id: oauthSessions.id });
  return rows.length > 0;
}

export async function sessionById(db: Database, id: string): Promise<SessionRow | undefined> {
  const [row] = await db.select().from(oauthSessions).where(eq(oauthSessions.id, id)).limit(1);
  return row;
}

/**
 * Moves a live session from generation `from` to the next refresh token; undefined when someone
 * rotated or revoked it meanwhile.
 */
export async function rotateSession(
  db: Database,
  id: string,
  from: number,
  next: { refreshHash: string; refreshExpiresAt: number },
): Promise<SessionRow | undefined> {
  const [updated] = await db
    .update(oauthSessions)
    .set({ refreshGeneration: from + 1, ...next })
    .where(and(eq(oauthSessions.id, id), eq(oauthSessions.refreshGeneration, from), isNull(oauthSessions.revokedAt)))
    .returning();
  return updated;
}

/** A session with its client's name and current roles. */
export async function sessionWithClient(
  db: Database,
  id: string,
): Promise<{ revokedAt: number | null; clientId: string; clientName: string; roles: string[] } | undefined> {
  const [row] = await db
    .select({ revokedAt: oauthSessions.revokedAt, clientId: oauthClients.clientId, clientName: oauthClients.name, roles: oauthClients.roles })
    .from(oauthSessions)
    .innerJoin(oauthClients, eq(oauthClients.clientId, oauthSessions.clientId))
    .where(eq(oauthSessions.id, id))
    .limit(1);
  return row;
}

/** Drops sessions whose refresh token expired, or that were revoked, before `cutoff`. */
export async function deleteSessionsEndedBefore(db: Database, cutoff: number): Promise<void> {
  await db.delete(oauthSessions).where(or(lt(oauthSessions.refreshExpiresAt, cutoff), lt(oauthSessions.revokedAt, cutoff)));
}
