// Long-lived API tokens for Claude Code's --header and for scripts. The operator creates them
// with scopes and roles; the token is shown once, and only its hash is kept.
import { z } from "zod";
import type { Database } from "../../../store/database.ts";
import { apiTokenByHash, insertApiToken, markApiTokenUsed, type ApiTokenRow } from "../../../store/access/api-tokens.ts";
import type { Principal } from "../principals/principal.ts";
import { ALL_SCOPES, apiTokenScopeSchema } from "../principals/scopes.ts";
import { hashSecret, randomSecret } from "../../../secrets/token-secrets.ts";

/** Every API token starts so, which tells it apart from a JWT and makes a leaked one easy to spot. */
export const API_TOKEN_PREFIX = "mcpfed_";

export const roleSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "a role is 1-64 letters, digits, _ . : -");

export const apiTokenInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(apiTokenScopeSchema).min(1).default([...ALL_SCOPES]),
    roles: z.array(roleSchema).max(20).default([]),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

export { listApiTokens, revokeApiToken } from "../../../store/access/api-tokens.ts";

export function apiTokenView(r: ApiTokenRow) {
  const now = Date.now();
  return {
    id: r.id,
    name: r.name,
    scopes: r.scopes,
    roles: r.roles,
    createdAt: new Date(r.createdAt).toISOString(),
    expiresAt: r.expiresAt ? new Date(r.expiresAt).toISOString() : null,
    lastUsedAt: r.lastUsedAt ? new Date(r.lastUsedAt).toISOString() : null,
    status: r.revokedAt ? "revoked" : r.expiresAt && r.expiresAt <= now ? "expired" : "active",
  };
}

/** Creates a token; the returned secret is never stored nor shown again. */
export async function createApiToken(db: Database, input: z.output<typeof apiTokenInput>): Promise<{ row: ApiTokenRow; secret: string }> {
  const secret = `${API_TOKEN_PREFIX}${randomSecret(32)}`;
  const row = await insertApiToken(db, {
    id: `tok_${randomSecret(9)}`,
    name: input.name,
    tokenHash: await hashSecret(secret),
    scopes: [...new Set(input.scopes)],
    roles: [...new Set(input.roles)],
    createdAt: Date.now(),
    expiresAt: input.expiresInDays ? Date.now() + input.expiresInDays * 86_400_000 : null,
  });
  return { row, secret };
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** The principal of an active token, or undefined. `defer` receives the (throttled) last-used update. */
export async function resolveApiToken(
  db: Database,
  token: string,
  defer: (work: Promise<unknown>) => void,
): Promise<Principal | undefined> {
  const row = await apiTokenByHash(db, await hashSecret(token));
  const now = Date.now();
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return undefined;
  if (!row.lastUsedAt || now - row.lastUsedAt > LAST_USED_RESOLUTION_MS) {
    defer(markApiTokenUsed(db, row.id, now));
  }
  return { kind: "api-token", id: `token:${row.id}`, subject: row.id, name: row.name, scopes: row.scopes as Principal["scopes"], roles: row.roles };
}
