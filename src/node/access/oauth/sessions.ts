// OAuth sessions: one per authorization. A session holds a rotating refresh token (each use gives
// a new one; presenting an old one again revokes the session, as it means one was stolen) and
// names the access tokens issued under it, so that revoking it ends them all.
import type { Database } from "../../../store/database.ts";
import { deleteSessionsEndedBefore, insertSession, rotateSession, sessionById, sessionWithClient, type SessionRow } from "../../../store/access/oauth-sessions.ts";
import { hashSecret, randomSecret, sameSecret } from "../../../secrets/token-secrets.ts";
import type { Scope } from "../principals/scopes.ts";
import { OAuthError } from "./errors.ts";

export const REFRESH_TTL_MS = 30 * 86_400_000;

export { revokeSession } from "../../../store/access/oauth-sessions.ts";

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
  const session = await insertSession(db, {
    id,
    clientId: s.clientId,
    scopes: [...s.scopes],
    resource: s.resource,
    refreshGeneration: 1,
    refreshHash: await hashSecret(secret),
    refreshExpiresAt: Date.now() + REFRESH_TTL_MS,
    createdAt: Date.now(),
  });
  return { session, refreshToken: formatRefreshToken(id, 1, secret) };
}

/**
 * The session a refresh token names, for revocation: only if it belongs to `clientId` and the token
 * is the current one, secret and all, as the session id alone is no proof of holding it.
 */
export async function sessionOfRefreshToken(db: Database, token: string, clientId: string): Promise<SessionRow | undefined> {
  const parsed = parseRefreshToken(token);
  if (!parsed) return undefined;
  const row = await sessionById(db, parsed.sessionId);
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
  const row = await sessionById(db, parsed.sessionId);
  if (!row || row.clientId !== clientId) throw new OAuthError("invalid_grant", "unknown refresh token");
  if (row.revokedAt) throw new OAuthError("invalid_grant", "the authorization was revoked");
  if (row.refreshExpiresAt <= Date.now()) throw new OAuthError("invalid_grant", "the refresh token has expired");
  if (parsed.generation < row.refreshGeneration) return { reused: true, sessionId: row.id };
  if (parsed.generation !== row.refreshGeneration || !(await sameSecret(await hashSecret(parsed.secret), row.refreshHash))) {
    throw new OAuthError("invalid_grant", "unknown refresh token");
  }
  const secret = randomSecret(32);
  const next = row.refreshGeneration + 1;
  // Only if nobody rotated it meanwhile: of two concurrent uses, the second is a replay.
  const updated = await rotateSession(db, row.id, row.refreshGeneration, {
    refreshHash: await hashSecret(secret),
    refreshExpiresAt: Date.now() + REFRESH_TTL_MS,
  });
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
  const row = await sessionWithClient(db, sessionId);
  if (!row || row.revokedAt) return undefined;
  return { clientId: row.clientId, clientName: row.clientName, roles: row.roles };
}

/** Drops sessions that can no longer be used: expired or revoked a while ago. */
export async function pruneSessions(db: Database): Promise<void> {
  await deleteSessionsEndedBefore(db, Date.now() - 86_400_000);
}
