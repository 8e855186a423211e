// This node's token issuer keys: made on first need, each valid for TOKEN_KEY_SECONDS from its
// not-before, the private half sealed at rest (src/secrets) under a context naming the key. A new
// key is made once the newest has less than half its life left, so a token bought under the
// current key stays redeemable for at least half a lifetime; the tick keeps that true and forgets
// private halves as keys expire. Expired keys stay listed for another lifetime, so that their
// tokens get `token_key_expired` rather than `token_invalid`.
import { fromBase64url, toBase64url } from "../../protocol/encoding/bytes.ts";
import { buildDirectory, type IssuerDirectory } from "../../protocol/tokens/directory.ts";
import { generateIssuerKey, importPublicKey, keyStateAt, tokenKeyId } from "../../protocol/tokens/issuer-key.ts";
import type { SecretBox } from "../../secrets/sealed-box.ts";
import type { Database } from "../../store/database.ts";
import { getIssuerKey, insertIssuerKey, issuerTotals, listIssuerKeys, retireIssuerKeys, type IssuerKeyRow, type IssuerTotals } from "../../store/token-issuer.ts";
import type { Config } from "../settings/config.ts";

export interface IssuerPort {
  db: Database;
  nodeId: string;
  secrets: SecretBox;
  config: Pick<Config, "tokens">;
}

const sealContext = (keyId: string) => `tokens/issuer-keys/${keyId}`;

/** A key that still signs at `now` (ms): valid, and with at least half its life left. */
const signsAt = (k: IssuerKeyRow, now: number, lifeMs: number) => k.privateKey !== null && k.notBefore <= now && k.expiresAt - now > lifeMs / 2;

/** The key this node sells tokens under at `now` (ms), made if there is none. */
export async function currentIssuerKey(s: IssuerPort, now: number): Promise<IssuerKeyRow> {
  const lifeMs = s.config.tokens.keySeconds * 1000;
  const held = (await listIssuerKeys(s.db)).filter((k) => signsAt(k, now, lifeMs)).at(-1);
  if (held) return held;
  const pair = await generateIssuerKey();
  const keyId = tokenKeyId(pair.publicKey);
  const row: IssuerKeyRow = {
    keyId,
    publicKey: toBase64url(pair.publicKey),
    privateKey: await s.secrets.seal(toBase64url(pair.privateKey), sealContext(keyId)),
    notBefore: now,
    expiresAt: now + lifeMs,
  };
  // Two isolates may both make one at once: each is a valid key, and consumers pick the newer.
  await insertIssuerKey(s.db, row);
  return row;
}

/** The pair to sign with: the key if it still signs at `now`, else undefined. */
export async function signingKey(s: IssuerPort, keyId: string, now: number): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array } | undefined> {
  const row = await getIssuerKey(s.db, keyId);
  if (!row || row.privateKey === null || row.notBefore > now || row.expiresAt <= now) return undefined;
  return { publicKey: fromBase64url(row.publicKey), privateKey: fromBase64url(await s.secrets.open(row.privateKey, sealContext(keyId))) };
}

// Imported verifying keys, by key id: only this node's own keys are ever imported, so it stays small.
const verifying = new Map<string, Promise<CryptoKey>>();

export type RedeemingKey = { state: "valid"; key: CryptoKey; expiresAt: number } | { state: "expired" } | { state: "unknown" };

/** The key a token names, as redemption sees it at `now` (ms). */
export async function redeemingKey(s: Pick<IssuerPort, "db">, keyId: string, now: number): Promise<RedeemingKey> {
  const row = await getIssuerKey(s.db, keyId);
  const state = row ? keyStateAt(row, now) : "not_yet_valid";
  if (!row || state === "not_yet_valid") return { state: "unknown" };
  if (state === "expired") return { state: "expired" };
  let key = verifying.get(keyId);
  if (!key) {
    key = importPublicKey(fromBase64url(row.publicKey));
    key.catch(() => verifying.delete(keyId));
    verifying.set(keyId, key);
  }
  return { state: "valid", key: await key, expiresAt: row.expiresAt };
}

/** The tick's part: keeps a current key once issuing has started, and retires expired ones. */
export async function rotateIssuerKeys(s: IssuerPort, now: number): Promise<{ keys: number; made: boolean }> {
  const lifeMs = s.config.tokens.keySeconds * 1000;
  await retireIssuerKeys(s.db, now, now - lifeMs);
  for (const id of verifying.keys()) if (!(await getIssuerKey(s.db, id))) verifying.delete(id);
  const keys = await listIssuerKeys(s.db);
  // A node that never sold a token makes no key: RSA key generation is not free on every tick.
  if (!s.config.tokens.issue || keys.length === 0 || keys.some((k) => signsAt(k, now, lifeMs))) return { keys: keys.length, made: false };
  await currentIssuerKey(s, now);
  return { keys: keys.length + 1, made: true };
}

/** The RFC 9578 issuer directory: every key not yet expired, newest last. */
export async function issuerDirectory(s: IssuerPort, baseUrl: string, saleUri: string, now: number): Promise<IssuerDirectory> {
  await currentIssuerKey(s, now);
  const keys = (await listIssuerKeys(s.db)).filter((k) => k.notBefore <= now && k.expiresAt > now);
  return buildDirectory(new URL(saleUri, baseUrl).href, keys.slice(-8).map((k) => ({ publicKey: k.publicKey, notBefore: Math.floor(k.notBefore / 1000), expires: Math.floor(k.expiresAt / 1000) })), { unit: s.config.tokens.unit, value: s.config.tokens.value });
}

export interface IssuerKeyView {
  keyId: string;
  notBefore: number;
  expiresAt: number;
  signing: boolean;
}

export async function listIssuerKeyViews(s: Pick<IssuerPort, "db">): Promise<IssuerKeyView[]> {
  return (await listIssuerKeys(s.db)).map((k) => ({ keyId: k.keyId, notBefore: k.notBefore, expiresAt: k.expiresAt, signing: k.privateKey !== null }));
}

/** How many sales, tokens sold, and token nonces held as spent (until their key expires). */
export function issuerSummary(s: Pick<IssuerPort, "db">): Promise<IssuerTotals> {
  return issuerTotals(s.db);
}
