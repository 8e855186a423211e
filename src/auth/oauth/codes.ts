// Authorization codes: kept as hashes, single use, five minutes at most, and bound to the client,
// the redirect URI, the resource and a PKCE S256 challenge.
import { and, eq, isNull, lt } from "drizzle-orm";
import type { Database } from "../../store/database.ts";
import { oauthCodes } from "../../store/schema.ts";
import { hashSecret, randomSecret } from "../secrets.ts";
import type { Scope } from "../scopes.ts";

export const CODE_TTL_MS = 5 * 60_000;

export type CodeRow = typeof oauthCodes.$inferSelect;

export async function issueCode(
  db: Database,
  c: { clientId: string; redirectUri: string; codeChallenge: string; resource: string; scopes: readonly Scope[] },
): Promise<string> {
  const code = randomSecret(32);
  await db.insert(oauthCodes).values({
    codeHash: await hashSecret(code),
    clientId: c.clientId,
    redirectUri: c.redirectUri,
    codeChallenge: c.codeChallenge,
    resource: c.resource,
    scopes: [...c.scopes],
    expiresAt: Date.now() + CODE_TTL_MS,
  });
  return code;
}

export type CodeUse =
  | { ok: true; code: CodeRow }
  | { ok: false; reason: "unknown" | "expired" }
  | { ok: false; reason: "replayed"; sessionId: string | null };

/** Marks the code used, in one statement, so that of two racing exchanges only one wins. */
export async function consumeCode(db: Database, code: string): Promise<CodeUse> {
  const codeHash = await hashSecret(code);
  const now = Date.now();
  const [row] = await db
    .update(oauthCodes)
    .set({ usedAt: now })
    .where(and(eq(oauthCodes.codeHash, codeHash), isNull(oauthCodes.usedAt)))
    .returning();
  if (row) return row.expiresAt > now ? { ok: true, code: row } : { ok: false, reason: "expired" };
  const [used] = await db.select().from(oauthCodes).where(eq(oauthCodes.codeHash, codeHash)).limit(1);
  return used ? { ok: false, reason: "replayed", sessionId: used.sessionId } : { ok: false, reason: "unknown" };
}

export async function linkCodeToSession(db: Database, codeHash: string, sessionId: string): Promise<void> {
  await db.update(oauthCodes).set({ sessionId }).where(eq(oauthCodes.codeHash, codeHash));
}

/** Codes are kept a day past expiry, so that a late replay is still recognised as one. */
export async function pruneCodes(db: Database): Promise<void> {
  await db.delete(oauthCodes).where(lt(oauthCodes.expiresAt, Date.now() - 86_400_000));
}
