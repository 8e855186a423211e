// Nodes this node knows of through the registry: the cards public nodes publish as node entries
// (src/protocol/registry/entry.ts). Each was verified on arrival; an operator peers with one by its URL.
import { and, eq, ne } from "drizzle-orm";
import type { Card } from "../../protocol/card/schema.ts";
import { signedEntry } from "../../protocol/registry/entry.ts";
import type { Services } from "../services.ts";
import { registryEntries as t } from "../../store/schema/index.ts";
import { listPeers, type PeerState } from "../../store/peers.ts";

export interface KnownNode {
  card: Card;
  /** How this node regards it, when it is a peer. */
  peer: PeerState | null;
  /** The peer the entry came from. */
  learnedFrom: string | null;
}

export async function knownNodes(s: Services): Promise<KnownNode[]> {
  const rows = await s.db
    .select({ entry: t.entry, source: t.source })
    .from(t)
    .where(and(eq(t.kind, "node"), eq(t.tombstone, false), ne(t.origin, s.nodeId)))
    .orderBy(t.origin);
  const peers = new Map((await listPeers(s.db)).map((p) => [p.nodeId, p.state]));
  const now = s.now();
  const out: KnownNode[] = [];
  for (const r of rows) {
    const e = signedEntry.parse(JSON.parse(r.entry));
    if (e.kind !== "node" || e.tombstone) continue;
    // A card past its expiry names keys its node may have retired; the next one replaces it.
    if (e.body.card.exp + s.config.clockSkewSeconds < now) continue;
    out.push({ card: e.body.card, peer: peers.get(e.origin) ?? null, learnedFrom: r.source });
  }
  return out;
}
