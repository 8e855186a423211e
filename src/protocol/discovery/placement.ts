// Where an index key lives (docs/protocol.md §20.3). Node positions and keys live in one 256-bit
// space under the XOR metric: a key's responsible nodes are the k closest to it. Up to about 10^5
// public nodes every node holds the signed directory and names them directly (0 routing hops);
// beyond, the Kademlia-style iterative lookup finds them. Rendezvous (highest-random-weight)
// hashing is the placement of nodes without the `index-xor` feature (§20.5), kept for them.
import { sha256 } from "@noble/hashes/sha2.js";

const encoder = new TextEncoder();

/** The card feature of XOR placement in the direct structure (§20.5); without it, rendezvous. */
export const INDEX_XOR_FEATURE = "index-xor";

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

/**
 * Nodes sorted by position, built once per directory: the n closest to a point under XOR without
 * hashing every node per query. Every prefix of the space is a contiguous run of the sorted order,
 * and a node outside the run of the target's first b bits is farther than every node inside it, so
 * the run is widened a bit at a time until it holds n nodes, and only it is ordered by distance.
 */
export class NodePositions<T extends { id: string }> {
  readonly #input: readonly T[];
  readonly #position: (id: string) => Uint8Array;
  #placed: { nodes: T[]; pos: Uint8Array[] } | undefined;

  /**
   * `position` may be a cache: a directory read every few seconds keeps the ids it already hashed.
   * Nodes are hashed and sorted on first use, not here: a reader that only asks the size (is the
   * federation large enough for the index?) pays nothing for 10^5 hashes.
   */
  constructor(nodes: readonly T[], position: (id: string) => Uint8Array = positionOf) {
    this.#input = nodes;
    this.#position = position;
  }

  get #sorted(): { nodes: T[]; pos: Uint8Array[] } {
    if (!this.#placed) {
      const placed = this.#input.map((node) => ({ node, pos: this.#position(node.id) })).sort((a, b) => compareBytes(a.pos, b.pos));
      this.#placed = { nodes: placed.map((p) => p.node), pos: placed.map((p) => p.pos) };
    }
    return this.#placed;
  }

  get size(): number {
    return this.#input.length;
  }

  /** Every node, by position. */
  all(): readonly T[] {
    return this.#sorted.nodes;
  }

  /** Each node's position by id, for those hashed so far: the cache of the next build. */
  positions(): Map<string, Uint8Array> {
    if (!this.#placed) return new Map();
    const { nodes, pos } = this.#placed;
    return new Map(nodes.map((n, i) => [n.id, pos[i]!]));
  }

  /** The `n` nodes closest to `target` among those `keep` accepts, closest first. */
  closest(target: Uint8Array, n: number, keep: (node: T) => boolean = () => true): T[] {
    if (n <= 0 || this.#input.length === 0) return [];
    const { nodes, pos } = this.#sorted;
    const at = this.#lowerBound(target);
    // A run longer than the target's common prefix with its neighbours holds no node: start there.
    let bits = Math.max(at > 0 ? commonPrefix(target, pos[at - 1]!) : 0, at < pos.length ? commonPrefix(target, pos[at]!) : 0);
    let lo = at;
    let hi = at;
    let kept = 0;
    for (; bits >= 0; bits--) {
      const from = this.#lowerBound(prefixEnd(target, bits, 0));
      const to = this.#upperBound(prefixEnd(target, bits, 0xff));
      for (let i = from; i < lo; i++) if (keep(nodes[i]!)) kept++;
      for (let i = hi; i < to; i++) if (keep(nodes[i]!)) kept++;
      lo = from;
      hi = to;
      if (kept >= n) break;
    }
    const run: number[] = [];
    for (let i = lo; i < hi; i++) if (keep(nodes[i]!)) run.push(i);
    return run
      .sort((a, b) => closerTo(target, pos[a]!, pos[b]!))
      .slice(0, n)
      .map((i) => nodes[i]!);
  }

  #lowerBound(p: Uint8Array): number {
    const pos = this.#sorted.pos;
    let lo = 0;
    let hi = pos.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareBytes(pos[mid]!, p) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #upperBound(p: Uint8Array): number {
    const pos = this.#sorted.pos;
    let lo = 0;
    let hi = pos.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareBytes(pos[mid]!, p) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return a.length * 8;
}

/** `p` with every bit after its first `bits` set to `fill`'s (0x00 or 0xff): one end of the prefix's run. */
function prefixEnd(p: Uint8Array, bits: number, fill: 0 | 0xff): Uint8Array {
  const out = p.slice();
  const byte = bits >> 3;
  if (byte < out.length) {
    const mask = 0xff >> (bits & 7);
    out[byte] = fill ? out[byte]! | mask : out[byte]! & ~mask;
    out.fill(fill, byte + 1);
  }
  return out;
}

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
