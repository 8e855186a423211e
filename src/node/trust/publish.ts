// How this node signs and shares its own trust entries (protocol §7.1.2): vouches, ratings,
// assertions of its scores, warnings and attestations. The body is checked here with the very
// rules receivers apply, so that the operator gets a typed refusal instead of an entry every
// peer would refuse; then the registry signs and stores it and gossip carries it as it is.
import type { Entry, Visibility } from "../../protocol/registry/entry.ts";
import { hlcAt } from "../../protocol/registry/hlc.ts";
import { MAX_TRUST_LIFETIME_SECONDS, keyOfTrust, trustBody, trustEntryProblems, trustKey, type TrustBodyOf, type TrustKind } from "../../protocol/registry/trust-entries.ts";

export interface TrustPublishPort {
  nodeId: string;
  /** The node's Registry (src/node/registry/registry.ts), named by shape: src/node/trust imports no other folder of src/node, which would close a folder cycle through the settings. */
  registry: {
    publishTrust<K extends TrustKind>(kind: K, body: TrustBodyOf<K>, visibility: Visibility): Promise<Entry[]>;
    withdraw(key: string, kind: TrustKind): Promise<Entry[]>;
  };
  gossip: { changed(): void };
  now?: () => number;
}

/** Why a trust entry was not published: the request would make an entry receivers refuse. */
export class TrustPublishError extends Error {
  override name = "TrustPublishError";
  readonly code = "invalid_request";
}

/** Unix seconds `days` from now: an entry's `expiresAt`. Whole days from 1 to 400. */
export function expiryAfter(days: number, now: number = Date.now()): number {
  if (!Number.isInteger(days) || days < 1 || days * 86_400 > MAX_TRUST_LIFETIME_SECONDS) throw new TrustPublishError(`days must be a whole number from 1 to ${MAX_TRUST_LIFETIME_SECONDS / 86_400}`);
  return Math.floor(now / 1000) + days * 86_400;
}

/**
 * Signs and stores this node's entry of `kind` (replacing its slot's, or moving it to the other
 * visibility), and tells the peers. Returns the entries stored: none when the slot held this body.
 */
export async function publishTrust<K extends TrustKind>(s: TrustPublishPort, kind: K, body: TrustBodyOf<K>, visibility: Visibility): Promise<Entry[]> {
  const parsed = trustBody[kind].safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrustPublishError(`${kind}: ${issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid"}`);
  }
  const checked = parsed.data as TrustBodyOf<K>;
  // The registry stamps the HLC at or after now, which only widens what these checks allow.
  const now = (s.now ?? Date.now)();
  const problems = trustEntryProblems({ origin: s.nodeId, kind, key: keyOfTrust(kind, checked), hlc: hlcAt(now), tombstone: false, body: checked });
  if (problems.length > 0) throw new TrustPublishError(`${kind}: ${problems.map((p) => `${p.path.join(".")}: ${p.message}`).join("; ")}`);
  const stored = await s.registry.publishTrust(kind, checked, visibility);
  if (stored.length > 0) s.gossip.changed();
  return stored;
}

/** Revokes this node's entry of `kind` under `key` wherever it went (tombstones). None stored when there was nothing live. */
export async function withdrawTrust(s: TrustPublishPort, kind: TrustKind, key: string): Promise<Entry[]> {
  if (!trustKey[kind].safeParse(key).success) throw new TrustPublishError(`${kind}: not a ${kind} key: ${key}`);
  const stored = await s.registry.withdraw(key, kind);
  if (stored.length > 0) s.gossip.changed();
  return stored;
}
