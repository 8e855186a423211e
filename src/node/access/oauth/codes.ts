// Authorization codes: kept as hashes, single use, five minutes at most, and bound to the client,
// the redirect URI, the resource and a PKCE S256 challenge.
import type { Database } from "../../../store/database.ts";
import { codeByHash, deleteCodesExpiredBefore, insertCode, markCodeUsed, type CodeRow } from "../../../store/access/oauth-codes.ts";
import { hashSecret, randomSecret } from "../../../secrets/token-secrets.ts";
import type { Scope } from "../principals/scopes.ts";

export const CODE_TTL_MS = 5 * 60_000;

export { linkCodeToSession } from "../../../store/access/oauth-codes.ts";

export async function issueCode(
  db: Database,
  c: { clientId: string; redirectUri: string; codeChallenge: string; resource: string; scopes: readonly Scope[] },
): Promise<string> {
  const code = randomSecret(32);
  await insertCode(db, {
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

/**
 * Redeems a code. `vet` checks the presenter (client, redirect URI, PKCE verifier) first and throws
 * if it fails, leaving the code as it was: whoever lacks the verifier can neither use a stolen code
 * nor burn it. Only then is it marked used, in one statement, so that of two racing exchanges
 * only one wins.
 */
export async function redeemCode(db: Database, code: string, vet: (row: CodeRow) => Promise<void>): Promise<CodeUse> {
  const codeHash = await hashSecret(code);
  const row = await codeByHash(db, codeHash);
  if (!row) return { ok: false, reason: "unknown" };
  await vet(row);
  if (row.usedAt !== null) return { ok: false, reason: "replayed", sessionId: row.sessionId };
  const now = Date.now();
  if (row.expiresAt <= now) return { ok: false, reason: "expired" };
  const won = await markCodeUsed(db, codeHash, now);
  return won ? { ok: true, code: won } : { ok: false, reason: "replayed", sessionId: null };
}

/** Codes are kept a day past expiry, so that a late replay is still recognised as one. */
export async function pruneCodes(db: Database): Promise<void> {
  await deleteCodesExpiredBefore(db, Date.now() - 86_400_000);
}
