// OAuth sessions: one per authorization. A session holds a rotating refresh token (each use gives
// a new one; presenting an old one again revokes the session, as it means one was stolen) and
// names the access tokens issued under it, so that revoking it ends them all.
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Database } from "../../../store/database.ts";
import { oauthClients, oauthSessions } from "../../../store/schema.ts";
import { hashSecret, randomSecret, sameSecret } from "../../../secrets/token-secrets.ts";
import type { Scope } from "../scopes.ts";
import { OAuthError } from "./errors.ts";

export const REFRESH_TTL_MS = 30 * 86_400_000;

export type SessionRow = typeof oauthSessions.$inferSelect;

// "rt.<session id>.<generation>.<secret>": the session is found without a scan, and the
// generation tells a replayed old token from a forged one.
function formatRefreshToken(sessionId: string, generation: number, secret: string): string {
  return `rt.${sessionId}.${generation}.${secret}`;
}

function parseRefreshToken(token: string): { sessionId: string; generation: number; secret: string } | undefined {
  const m = /^rt\.([A-Za-z0-9_-]{16,64})\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return m ? { sessionId: m[1]!, generation: Number(m[2]), secret: m[3]! } : undefined;
}

export async function createSession(
  db: Database,
  s: { clientId: string; scopes: readonly Scope[]; resource: string },
): Promise<{ session: SessionRow; refreshToken: string }> {
  const id = randomSecret(16);
  const secret = randomSecret(32);
  const [session] = await db
    .insert(oauthSessions)
    .values({
      id,
      clientId: s.clientId,
      scopes: [...s.scopes],
      resource: s.resource,
      refreshGeneration: 1,
      refreshHash: await hashSecret(secret),
      refreshExpiresAt: Date.now() + REFRESH_TTL_MS,
      createdAt: Date.now(),
    })
    .returning();
  return { session: session!, refreshToken: formatRefreshToken(id, 1, secret) };
}

export async function revokeSession(db: Database, id: string, reason: string): Promise<boolean> {
  const rows = await db
    .update(oauthSessions)
    .set({ revokedAt: Date.now(), revokedReason: reason })
    .where(and(eq(oauthSessions.id, id), isNull(oauthSessions.revokedAt)))
    .returning({ id: oauthSessions.id });
  return rows.length > 0;
}

/**
 * The session a refresh token names, for revocation: only if it belongs to `clientId` and the token
 * is the current one, secret and all, as the session id alone is no proof of holding it.
 */
export async function sessionOfRefreshToken(db: Database, token: string, clientId: string): Promise<SessionRow | undefined> {
  const parsed = parseRefreshToken(token);
  if (!parsed) return undefined;
  const [row] = await db.select().from(oauthSessions).where(eq(oauthSessions.id, parsed.sessionId)).limit(1);
  if (!row || row.clientId !== clientId || parsed.generation !== row.refreshGeneration) return undefined;
  return (await sameSecret(await hashSecret(parsed.secret), row.refreshHash)) ? row : undefined;
}

export function looksLikeRefreshToken(token: string): boolean {
  return parseRefreshToken(token) !== undefined;
}

/**
 * Exchanges a refresh token for the next one. A token of an earlier generation is a replay, which
 * the caller answers by revoking the session. Throws invalid_grant on any other failure.
 */
export async function rotateRefreshToken(
  db: Database,
  token: string,
  clientId: string,
): Promise<{ reused: false; session: SessionRow; refreshToken: string } | { reused: true; sessionId: string }> {
  const parsed = parseRefreshToken(token);
  if (!parsed) throw new OAuthError("invalid_grant", "the refresh token is malformed");
  const [row] = await db.select().from(oauthSessions).where(eq(oauthSessions.id, parsed.sessionId)).limit(1);
  if (!row || row.clientId !== clientId) throw new OAuthError("invalid_grant", "unknown refresh token");
  if (row.revokedAt) throw new OAuthError("invalid_grant", "the authorization was revoked");
  if (row.refreshExpiresAt <= Date.now()) throw new OAuthError("invalid_grant", "the refresh token has expired");
  if (parsed.generation < row.refreshGeneration) return { reused: true, sessionId: row.id };
  if (parsed.generation !== row.refreshGeneration || !(await sameSecret(await hashSecret(parsed.secret), row.refreshHash))) {
    throw new OAuthError("invalid_grant", "unknown refresh token");
  }
  const secret = randomSecret(32);
  const next = row.refreshGeneration + 1;
  const [updated] = await db
    .update(oauthSessions)
    .set({ refreshGeneration: next, refreshHash: await hashSecret(secret), refreshExpiresAt: Date.now() + REFRESH_TTL_MS })
    // Only if nobody rotated it meanwhile: of two concurrent uses, the second is a replay.
    .where(and(eq(oauthSessions.id, row.id), eq(oauthSessions.refreshGeneration, row.refreshGeneration), isNull(oauthSessions.revokedAt)))
    .returning();
  if (!updated) return { reused: true, sessionId: row.id };
  return { reused: false, session: updated, refreshToken: formatRefreshToken(row.id, next, secret) };
}

export interface LiveSession {
  clientId: string;
  clientName: string;
  roles: string[];
}

/** The session an access token names, with its client's current roles; undefined once revoked. */
export async function liveSession(db: Database, sessionId: string): Promise<LiveSession | undefined> {
  const [row] = await db
    .select({ revokedAt: oauthSessions.revokedAt, clientId: oauthClients.clientId, clientName: oauthClients.name, roles: oauthClients.roles })
    .from(oauthSessions)
    .innerJoin(oauthClients, eq(oauthClients.clientId, oauthSessions.clientId))
    .where(eq(oauthSessions.id, sessionId))
    .limit(1);
  if (!row || row.revokedAt) return undefined;
  return { clientId: row.clientId, clientName: row.clientName, roles: row.roles };
}

/** Drops sessions that can no longer be used: expired or revoked a while ago. */
export async function pruneSessions(db: Database): Promise<void> {
  const cutoff = Date.now() - 86_400_000;
  await db.delete(oauthSessions).where(or(lt(oauthSessions.refreshExpiresAt, cutoff), lt(oauthSessions.revokedAt, cutoff)));
}
