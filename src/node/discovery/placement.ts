// Which nodes are responsible for a key, as this node sees its directory (docs/protocol.md §20.3):
// the k closest under XOR, named from the whole directory up to INDEX_RENDEZVOUS_MAX nodes and found
// by the iterative lookup beyond; by rendezvous hashing while `index-xor` is not on here (§20.5).
import { positionOf, rendezvousOwners, type NodePositions } from "../../protocol/discovery/placement.ts";
import type { IndexNode, Structure } from "./lookup.ts";

export function structureFor(directorySize: number, rendezvousMax: number, xor: boolean): Structure {
  if (directorySize > rendezvousMax) return "kademlia";
  return xor ? "xor" : "rendezvous";
}

/** The `n` nodes responsible for `key` in `directory`: rendezvous reads every id, the others a sorted run. */
export function ownersOf(key: string, directory: NodePositions<IndexNode>, n: number, structure: Structure): string[] {
  if (structure === "rendezvous") return rendezvousOwners(key, directory.all().map((x) => x.id), n);
  return directory.closest(positionOf(key), n).map((x) => x.id);
}
