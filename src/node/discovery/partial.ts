// Partial synchronization (REGISTRY_SYNC=partial, docs/discovery.md): the registry keeps every
// compact directory entry (the directory the index is placed over, §20.7) and node entry (the
// operator's list of public nodes and feature adoption read them), this node's own entries, its
// active peers' own, and those of origins a lookup found lately; whatever else gossip offers is
// passed over, and found on demand through the index.
import type { Database } from "../../store/database.ts";
import { listPeers } from "../../store/peers.ts";

export async function partialReplica(s: { self: string; db: Database; found: () => ReadonlySet<string> }): Promise<(origin: string, kind: string) => boolean> {
  const peers = new Set((await listPeers(s.db)).filter((p) => p.state === "active").map((p) => p.nodeId));
  const found = s.found();
  return (origin, kind) => kind === "directory" || kind === "node" || origin === s.self || peers.has(origin) || found.has(origin);
}
