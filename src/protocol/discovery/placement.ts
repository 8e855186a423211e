// Where an index key lives (docs/protocol.md §20.3). Up to about 10^5 public nodes, every node
// holds the signed directory, and rendezvous (highest-random-weight) hashing names the same k
// nodes for a key on every node that holds the same directory: 0 routing hops. Beyond, node
// positions and keys live in one 256-bit space under the XOR metric (Kademlia), for the
// iterative lookup.
import { sha256 } from "@noble/hashes/sha2.js";

const encoder = new TextEncoder();

/** The point of a node id or an index key in the 256-bit space: SHA-256 of its UTF-8 bytes. */
export function positionOf(name: string): Uint8Array {
  return sha256(encoder.encode(name));
}

/** The rendezvous weight of `node` for `key`: the first 8 bytes of SHA-256(key ‖ 0x00 ‖ node), big-endian. */
export function rendezvousWeight(key: string, node: string): bigint {
  const h = sha256(encoder.encode(`${key}\u0000${node}`));
  let w = 0n;
  for (let i = 0; i < 8; i++) w = (w << 8n) | BigInt(h[i]!);
  return w;
}

/** The k nodes of highest weight for `key`, highest first; ties (never in practice) by id. */
export function rendezvousOwners(key: string, nodes: readonly string[], k: number): string[] {
  // A bounded selection: the directory may hold 10^5 ids, and only k are wanted.
  const best: { id: string; w: bigint }[] = [];
  for (const id of nodes) {
    const w = rendezvousWeight(key, id);
    if (best.length === k && compare(w, id, best[k - 1]!) <= 0) continue;
    let i = best.length;
    while (i > 0 && compare(w, id, best[i - 1]!) > 0) i--;
    best.splice(i, 0, { id, w });
    if (best.length > k) best.pop();
  }
  return best.map((b) => b.id);
}

const compare = (w: bigint, id: string, o: { id: string; w: bigint }) => (w === o.w ? (id < o.id ? 1 : id > o.id ? -1 : 0) : w > o.w ? 1 : -1);

/** XOR distance between two positions, compared as big-endian unsigned integers: <0 when a is closer to t than b. */
export function closerTo(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = a[i]! ^ target[i]!;
    const db = b[i]! ^ target[i]!;
    if (da !== db) return da - db;
  }
  return 0;
}

/** The index (0–255) of the k-bucket `other` falls in, seen from `self`: the length of their common prefix. */
export function bucketOf(self: Uint8Array, other: Uint8Array): number {
  for (let i = 0; i < self.length; i++) {
    const x = self[i]! ^ other[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return self.length * 8 - 1;
}
