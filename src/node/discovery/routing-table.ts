// The k-bucket routing table of the iterative structure (docs/protocol.md §20.3), sampled from the
// directory this node holds: per common-prefix length with this node's position, every node of a
// bucket that holds at most `bucketSize`, else `bucketSize` of them. A small bucket is kept whole,
// so the node knows all of its own neighbourhood (the buckets of long common prefixes), as
// Kademlia's split of the bucket holding the node's own id gives. The sample is drawn anew each
// period (hourly), by a hash of the node, the period and each id, so that it is stable within a
// period, differs between nodes, and follows churn.
import { sha256 } from "@noble/hashes/sha2.js";
import { bucketOf, positionOf } from "../../protocol/discovery/placement.ts";
import type { IndexNode } from "./lookup.ts";

/** Nodes kept per bucket: as the simulation's (scripts/sim/discovery.ts), about 20 buckets × 1,024 at 10^6. */
export const BUCKET_SIZE = 1024;
/** How long one sample stands. */
export const TABLE_PERIOD_MS = 3600_000;

const encoder = new TextEncoder();

function draw(self: string, period: number, id: string): number {
  const h = sha256(encoder.encode(`${self}\u0000${period}\u0000${id}`));
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

/** The table of `self` over `directory` for the period holding `nowMs`: at most `bucketSize` nodes per bucket. */
export function routingTable(self: string, directory: readonly IndexNode[], nowMs: number, bucketSize = BUCKET_SIZE): IndexNode[] {
  const own = positionOf(self);
  const period = Math.floor(nowMs / TABLE_PERIOD_MS);
  const buckets = new Map<number, IndexNode[]>();
  for (const n of directory) {
    if (n.id === self) continue;
    const b = bucketOf(own, positionOf(n.id));
    const list = buckets.get(b);
    if (list) list.push(n);
    else buckets.set(b, [n]);
  }
  const table: IndexNode[] = [];
  for (const list of buckets.values()) {
    if (list.length <= bucketSize) table.push(...list);
    else
      table.push(
        ...list
          .map((n) => ({ n, d: draw(self, period, n.id) }))
          .sort((a, b) => a.d - b.d)
          .slice(0, bucketSize)
          .map((x) => x.n),
      );
  }
  return table;
}
