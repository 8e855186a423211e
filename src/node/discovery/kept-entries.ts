// Which entries gossip offers this node keeps (docs/discovery.md). Every compact directory entry
// (§20.7): the directory the index is placed over. Once the index is on (INDEX_MIN_NODES), full
// node entries only for its neighbourhood: this node, its active peers and origins a lookup found
// lately; any other node's card is fetched on first contact and cached with a bound
// (directory.ts), and node entries kept before the index was on are dropped on the tick. With
// partial synchronization (REGISTRY_SYNC=partial) the same holds for every other kind of entry,
// found on demand through the index. Whatever is not kept is not relayed.
import type { Database } from "../../store/database.ts";
import { listPeers } from "../../store/peers.ts";
import { dropNodeEntries } from "../../store/registry.ts";

export interface NeighbourhoodPort {
  self: string;
  db: Database;
  found: () => ReadonlySet<string>;
}

export interface KeptEntriesPort extends NeighbourhoodPort {
  registrySync: "full" | "partial";
  /** Whether the index is on: below its size, small federations keep pure gossip. */
  indexActive: () => Promise<boolean>;
}

/** Whether an origin is in this node's neighbourhood: itself, an active peer, or found by a lookup lately. */
async function neighbourhood(s: NeighbourhoodPort): Promise<(origin: string) => boolean> {
  const peers = new Set((await listPeers(s.db)).filter((p) => p.state === "active").map((p) => p.nodeId));
  const found = s.found();
  return (origin) => origin === s.self || peers.has(origin) || found.has(origin);
}

export async function keptEntries(s: KeptEntriesPort): Promise<(origin: string, kind: string) => boolean> {
  const partial = s.registrySync === "partial";
  const indexed = await s.indexActive();
  const near = await neighbourhood(s);
  return (origin, kind) => {
    if (kind === "directory") return true;
    if (kind === "node") return !indexed || near(origin);
    return !partial || near(origin);
  };
}

/** On the tick, once the index is on: the node entries of origins beyond the neighbourhood go (how many). */
export async function dropFarNodeEntries(s: NeighbourhoodPort): Promise<number> {
  return dropNodeEntries(s.db, s.self, await neighbourhood(s));
}
