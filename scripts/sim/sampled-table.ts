// The simulator's Kademlia routing tables (scripts/sim/discovery.ts) at 10^6 nodes, by the node's
// rule (src/node/discovery/routing-table.ts): per common-prefix length with the node, the bucket
// whole when it lists at most `bucket` nodes, else `bucket` of them drawn. The node hashes every
// directory id to place it; here each bucket is a run of the ids sorted by position, found by
// binary search, and drawn by a generator seeded per node and bucket, so a node's table is the
// same on every visit (as the node's is within its period) and follows churn (a drawn node that is
// not listed is passed over for the next draw, as the node's hash order does). A query for the
// nodes closest to a point builds only the buckets that can hold them.
import { closerTo } from "../../src/protocol/discovery/placement.ts";
import { seeded } from "../../test/support/random.ts";

/** Nodes by position: their first 48 bits as numbers, the indices sorted by them, the full positions. */
export interface SortedNodes {
  readonly hi: Float64Array;
  readonly sorted: Int32Array;
  readonly pos: readonly Uint8Array[];
}

/** `pos` sorted: the first 48 bits of each position as a number, and the indices in their order. */
export function sortNodes(pos: readonly Uint8Array[]): SortedNodes {
  const hi = Float64Array.from(pos, (p) => p[0]! * 2 ** 40 + p[1]! * 2 ** 32 + p[2]! * 2 ** 24 + p[3]! * 2 ** 16 + p[4]! * 2 ** 8 + p[5]!);
  return { hi, sorted: Int32Array.from(pos.keys()).sort((a, b) => hi[a]! - hi[b]!), pos };
}

/** Buckets are told apart on the first 48 bits; nodes sharing more are one bucket's worth of ties (none at 10^6). */
const BITS = 48;

export class SampledTables {
  constructor(
    readonly net: SortedNodes,
    readonly bucket: number,
    readonly seed: number,
  ) {}

  /** The run of `sorted` whose first BITS bits lie in [from, from + span). */
  #run(from: number, span: number): [number, number] {
    return [this.#lowerBound(from), this.#lowerBound(from + span)];
  }

  #lowerBound(value: number): number {
    const { hi, sorted } = this.net;
    let lo = 0;
    let top = sorted.length;
    while (lo < top) {
      const mid = (lo + top) >> 1;
      if (hi[sorted[mid]!]! < value) lo = mid + 1;
      else top = mid;
    }
    return lo;
  }

  /** Per common-prefix length with `self`, the run of the subtree that differs from self at the next bit; until self's own subtree holds nobody else. */
  levels(self: number): [number, number][] {
    const mine = this.net.hi[self]!;
    const out: [number, number][] = [];
    for (let bit = 0; bit < BITS; bit++) {
      const span = 2 ** (BITS - 1 - bit);
      const own = Math.floor(mine / span) * span;
      const other = Math.floor(mine / span) % 2 === 0 ? own + span : own - span;
      out.push(this.#run(other, span));
      const [from, to] = this.#run(own, span);
      if (to - from <= 1) break;
    }
    return out;
  }

  /** The bucket of `self` at `level` among the nodes `listed` accepts: whole when it lists at most `bucket`, else `bucket` drawn. */
  bucketOf(self: number, level: number, run: [number, number], listed: (i: number) => boolean): number[] {
    const { sorted } = this.net;
    const [from, to] = run;
    let count = 0;
    for (let j = from; j < to && count <= this.bucket; j++) if (listed(sorted[j]!)) count++;
    if (count <= this.bucket) {
      const whole: number[] = [];
      for (let j = from; j < to; j++) if (listed(sorted[j]!)) whole.push(sorted[j]!);
      return whole;
    }
    const random = seeded(Math.imul(this.seed, 0x9e3779b1) ^ Math.imul(self + 1, 0x85ebca6b) ^ Math.imul(level + 1, 0xc2b2ae35));
    const drawn = new Set<number>();
    while (drawn.size < this.bucket) {
      const i = sorted[from + Math.floor(random() * (to - from))]!;
      if (listed(i)) drawn.add(i);
    }
    return [...drawn];
  }

  /** The whole table of `self` (never self). */
  entries(self: number, listed: (i: number) => boolean): number[] {
    return this.levels(self).flatMap((run, level) => this.bucketOf(self, level, run, listed));
  }

  /**
   * The `count` nodes of self's table (and self, with `withSelf`) closest to `target`, closest
   * first: the same as ordering the whole table. The bucket at the target's common prefix with
   * self shares more bits with the target than any other; the deeper buckets and self share
   * exactly that prefix; each shallower bucket fewer, one level at a time. So buckets are built
   * in that order until `count` nodes are in hand, then only those are ordered.
   */
  closest(self: number, target: Uint8Array, count: number, listed: (i: number) => boolean, withSelf: boolean): number[] {
    const { pos } = this.net;
    const levels = this.levels(self);
    const prefix = Math.min(commonPrefix(pos[self]!, target), BITS);
    const found: number[] = [];
    const add = (level: number) => found.push(...this.bucketOf(self, level, levels[level]!, listed));
    if (prefix < levels.length) add(prefix);
    if (found.length < count) {
      for (let level = prefix + 1; level < levels.length; level++) add(level);
      if (withSelf) found.push(self);
    }
    for (let level = Math.min(prefix, levels.length) - 1; level >= 0 && found.length < count; level--) add(level);
    return found.sort((a, b) => closerTo(target, pos[a]!, pos[b]!)).slice(0, count);
  }
}

function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i * 8 + Math.clz32(a[i]! ^ b[i]!) - 24;
  return a.length * 8;
}
