// Nodes this node knows of through the registry: the cards public nodes publish as node entries
// (src/protocol/registry/entry.ts). Each was verified on arrival; an operator peers with one by its URL.
import type { Card } from "../../protocol/card/schema.ts";
import { signedEntry } from "../../protocol/registry/entry.ts";
import type { Config } from "../settings/config.ts";
import type { Database } from "../../store/database.ts";
import { listPeers, type Peer, type PeerState } from "../../store/peers.ts";
import { listedDirectoryEntries, otherNodeEntries } from "../../store/registry.ts";

export interface KnownNode {
  card: Card;
  /** How this node regards it, when it is a peer. */
  peer: PeerState | null;
  /** The peer the entry came from. */
  learnedFrom: string | null;
}

type Port = { db: Database; nodeId: string; now: () => number; config: Pick<Config, "clockSkewSeconds"> };

/** Each peer's state by node id; a caller that already read the peers passes them (one read per view). */
async function peerStates(s: { db: Database }, peers?: readonly Peer[]): Promise<ReadonlyMap<string, PeerState>> {
  return new Map((peers ?? (await listPeers(s.db))).map((p) => [p.nodeId, p.state]));
}

export async function knownNodes(s: Port, peers?: readonly Peer[]): Promise<KnownNode[]> {
  const rows = await otherNodeEntries(s.db, s.nodeId);
  const states = await peerStates(s, peers);
  const now = s.now();
  const out: KnownNode[] = [];
  for (const r of rows) {
    const e = signedEntry.parse(JSON.parse(r.entry));
    if (e.kind !== "node" || e.tombstone) continue;
    // A card past its expiry names keys its node may have retired; the next one replaces it.
    if (e.body.card.exp + s.config.clockSkewSeconds < now) continue;
    out.push({ card: e.body.card, peer: states.get(e.origin) ?? null, learnedFrom: r.source });
  }
  return out;
}

/** A public node known only by its compact directory entry (§20.7): beyond the neighbourhood, a node keeps no card for it. */
export interface DirectoryOnlyNode {
  id: string;
  url: string;
  /** Unix seconds: the entry's (its card's) expiry. */
  exp: number;
  peer: PeerState | null;
  learnedFrom: string | null;
}

/** The unexpired compact directory entries of nodes other than those in `carded` (whose node entries are kept) and those whose card's tombstone is held. */
export async function directoryOnlyNodes(s: Port, carded: ReadonlySet<string>, peers?: readonly Peer[]): Promise<DirectoryOnlyNode[]> {
  const states = await peerStates(s, peers);
  const now = s.now();
  const out: DirectoryOnlyNode[] = [];
  for (const r of await listedDirectoryEntries(s.db, s.nodeId)) {
    const e = signedEntry.parse(JSON.parse(r.entry));
    if (e.kind !== "directory" || e.tombstone || carded.has(e.origin) || e.body.exp + s.config.clockSkewSeconds < now) continue;
    out.push({ id: e.origin, url: e.body.url, exp: e.body.exp, peer: states.get(e.origin) ?? null, learnedFrom: r.source });
  }
  return out;
}
