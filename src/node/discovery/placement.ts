// Which nodes are responsible for a key, as this node sees its directory: rendezvous hashing up to
// INDEX_RENDEZVOUS_MAX nodes, else the nodes closest to the key under XOR (docs/protocol.md §20.3).
import { positionOf, rendezvousOwners } from "../../protocol/discovery/placement.ts";
import { closestNodes, type IndexNode, type Structure } from "./lookup.ts";

export function structureFor(directorySize: number, rendezvousMax: number): Structure {
  return directorySize <= rendezvousMax ? "rendezvous" : "kademlia";
}

/** The `n` nodes responsible for `key` among `nodes`. */
export function ownersOf(key: string, nodes: readonly IndexNode[], n: number, structure: Structure): string[] {
  if (structure === "rendezvous") return rendezvousOwners(key, nodes.map((x) => x.id), n);
  return closestNodes(positionOf(key), nodes, n).map((x) => x.id);
}
