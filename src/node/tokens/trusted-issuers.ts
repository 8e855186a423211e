// The keys of the other issuers this node accepts tokens of (TOKEN_TRUSTED_ISSUERS, docs/protocol.md
// §15.9), learned from each issuer's directory and believed only when its signature verifies under
// the issuer's card key (a peer's card, checked against its node id when it was stored). Kept per
// isolate: the denomination for a few minutes, a key until well past its expiry, so that a late
// token gets `token_key_expired` rather than `token_invalid`.
import { fromBase64url } from "../../protocol/encoding/bytes.ts";
import { signingKey } from "../../protocol/identity/imported.ts";
import { DIRECTORY_PATH, directorySignedBy, issuerDirectory } from "../../protocol/tokens/directory.ts";
import { IssuerKeyError, importPublicKey, keyStateAt, tokenKeyId, TOKEN_TYPE } from "../../protocol/tokens/issuer-key.ts";
import type { Denomination } from "../../protocol/tokens/value.ts";
import type { Database } from "../../store/database.ts";
import { getPeer } from "../../store/peers.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Outbound } from "../outbound/outbound.ts";

export interface TrustedIssuerPort {
  db: Database;
  outbound: Pick<Outbound, "getJson">;
  identity: () => Promise<LocalIdentity>;
}

interface LearnedKey {
  key: CryptoKey;
  notBefore: number;
  expiresAt: number;
}

interface Learned {
  denomination: Denomination;
  keys: Map<string, LearnedKey>;
  fetchedAt: number;
}

const learned = new Map<string, Learned>();
/** A token naming an unknown key refetches the directory at most this often per issuer. */
const REFETCH_MS = 10_000;
/** A denomination read this long ago is read again before a call is priced in it: the issuer may have changed it. */
const DENOMINATION_TTL_MS = 300_000;
const DIRECTORY_READ = { maxBytes: 64 * 1024, timeoutMs: 10_000 };

export class IssuerUnavailable extends Error {
  override name = "IssuerUnavailable";
}

/** Reads and checks `issuer`'s signed directory; throws IssuerUnavailable when it cannot be had or does not verify. */
async function fetchDirectory(s: TrustedIssuerPort, issuer: string, now: number): Promise<Learned> {
  const peer = await getPeer(s.db, issuer);
  if (!peer || peer.state !== "active") throw new IssuerUnavailable(`${issuer} is not an active peer of this node`);
  let raw: unknown;
  try {
    raw = await s.outbound.getJson(new URL(DIRECTORY_PATH, peer.url).href, DIRECTORY_READ);
  } catch (err) {
    throw new IssuerUnavailable(`${issuer}'s issuer directory could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = issuerDirectory.safeParse(raw);
  if (!parsed.success) throw new IssuerUnavailable(`${issuer}'s issuer directory does not parse`);
  const identity = await s.identity();
  const cardKey = await signingKey(identity.primitives, peer.card.keys.sig.pub);
  if (!(await directorySignedBy(parsed.data, issuer, (m, sig, ctx) => cardKey.verify(sig, m, ctx)))) throw new IssuerUnavailable(`${issuer}'s issuer directory is not signed by its node key`);
  const denomination = parsed.data["mcpfed-denomination"];
  if (!denomination) throw new IssuerUnavailable(`${issuer}'s issuer directory names no denomination`);
  const keys = new Map(learned.get(issuer)?.keys);
  for (const k of parsed.data["token-keys"]) {
    if (k["token-type"] !== TOKEN_TYPE || k["not-before"] === undefined || k["mcpfed-expires"] === undefined) continue;
    try {
      const bytes = fromBase64url(k["token-key"].replace(/=+$/, ""));
      keys.set(tokenKeyId(bytes), { key: await importPublicKey(bytes), notBefore: k["not-before"] * 1000, expiresAt: k["mcpfed-expires"] * 1000 });
    } catch (err) {
      if (!(err instanceof IssuerKeyError) && !(err instanceof Error && err.name === "EncodingError")) throw err;
    }
  }
  // Keys expired a whole day ago are forgotten: no token of theirs is worth naming any more.
  for (const [id, k] of keys) if (k.expiresAt < now - 86_400_000) keys.delete(id);
  const entry = { denomination, keys, fetchedAt: now };
  learned.set(issuer, entry);
  return entry;
}

/** `issuer`'s denomination, from its directory (read again once it is DENOMINATION_TTL_MS old or said to be stale). */
export async function trustedDenomination(s: TrustedIssuerPort, issuer: string, now: number): Promise<Denomination> {
  const entry = learned.get(issuer);
  return (entry && now - entry.fetchedAt < DENOMINATION_TTL_MS ? entry : await fetchDirectory(s, issuer, now)).denomination;
}

/** The issuer refused the denomination this node priced in: its directory is read again before the next call. */
export function denominationStale(issuer: string): void {
  const entry = learned.get(issuer);
  if (entry) entry.fetchedAt = Number.NEGATIVE_INFINITY;
}

export type TrustedKey = { state: "valid"; key: CryptoKey } | { state: "expired" } | { state: "unknown" };

/** The key `keyId` of `issuer` at `now` (ms); its directory is read again when the key is not known yet. */
export async function trustedIssuerKey(s: TrustedIssuerPort, issuer: string, keyId: string, now: number): Promise<TrustedKey> {
  let entry = learned.get(issuer);
  if (!entry?.keys.has(keyId) && (!entry || now - entry.fetchedAt >= REFETCH_MS)) entry = await fetchDirectory(s, issuer, now);
  const k = entry.keys.get(keyId);
  if (!k) return { state: "unknown" };
  const state = keyStateAt(k, now);
  if (state === "expired") return { state: "expired" };
  return state === "valid" ? { state: "valid", key: k.key } : { state: "unknown" };
}
