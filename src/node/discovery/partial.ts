// Partial synchronization (REGISTRY_SYNC=partial, docs/discovery.md): the registry keeps every
// compact directory entry (the directory the index is placed over, §20.7), this node's own
// entries, its active peers' own (their node entries among them), and those of origins a lookup
// found lately; whatever else gossip offers, other nodes' full cards included, is passed over,
// and found on demand: cards from their node's URL, the rest through the index.
import type { Database } from "../../store/database.ts";
import { listPeers } from "../../store/peers.ts";

export async function partialReplica(s: { self: string; db: Database; found: () => ReadonlySet<string> }): Promise<(origin: string, kind: string) => boolean> {
  const peers = new Set((await listPeers(s.db)).filter((p) => p.state === "active").map((p) => p.nodeId));
  const found = s.found();
  return (origin, kind) => kind === "directory" || origin === s.self || peers.has(origin) || found.has(origin);
}
