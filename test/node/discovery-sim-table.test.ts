// The discovery simulator's routing tables (scripts/sim/sampled-table.ts): built per bucket from
// ids sorted by position instead of hashing the directory per node, they must follow the node's
// rule (src/node/discovery/routing-table.ts: per common-prefix length, a bucket listing at most
// `bucket` nodes kept whole, else `bucket` of them), stay the same per node, and the closest
// query that builds only some buckets must give what ordering the whole table gives.
import { describe, expect, it } from "vitest";
import { bucketOf, closerTo, positionOf } from "../../src/protocol/discovery/placement.ts";
import { SampledTables, sortNodes } from "../../scripts/sim/sampled-table.ts";
import { seeded } from "../support/random.ts";

const N = 6000;
const BUCKET = 48;
const pos = Array.from({ length: N }, (_, i) => positionOf(`sim-node-${i}`));
const net = sortNodes(pos);
const tables = new SampledTables(net, BUCKET, 7);
// About a third of the nodes not listed at this moment (left, or not yet joined).
const listed = (i: number) => i % 3 !== 1;

describe("the simulator's sampled routing table", () => {
  it("keeps per common-prefix length every listed node of a small bucket and `bucket` distinct listed nodes of a large one, never itself", () => {
    for (const self of [0, 5, 123, 4000]) {
      const table = tables.entries(self, listed);
      expect(new Set(table).size).toBe(table.length);
      expect(table).not.toContain(self);
      expect(table.every(listed)).toBe(true);
      const per = (nodes: number[]) => {
        const m = new Map<number, number>();
        for (const i of nodes) m.set(bucketOf(pos[self]!, pos[i]!), (m.get(bucketOf(pos[self]!, pos[i]!)) ?? 0) + 1);
        return m;
      };
      const all = per([...pos.keys()].filter((i) => i !== self && listed(i)));
      const kept = per(table);
      for (const [b, n] of all) expect(kept.get(b)).toBe(Math.min(n, BUCKET));
      // Bucket 0 lists about a third of the nodes: drawn, not whole.
      expect(all.get(0)!).toBeGreaterThan(BUCKET);
    }
  });

  it("is the same on every visit and differs between nodes", () => {
    expect(tables.entries(42, listed)).toEqual(tables.entries(42, listed));
    expect(new SampledTables(net, BUCKET, 7).entries(42, listed)).toEqual(tables.entries(42, listed));
    const bucket0 = (self: number) => new Set(tables.entries(self, listed).filter((i) => bucketOf(pos[self]!, pos[i]!) === 0));
    const a = bucket0(42);
    const sameHalf = [...pos.keys()].find((i) => i !== 42 && bucketOf(pos[42]!, pos[i]!) > 0)!;
    const b = bucket0(sameHalf);
    expect([...a].filter((i) => b.has(i)).length).toBeLessThan(BUCKET);
  });

  it("follows churn: a drawn node no longer listed gives way to another, the rest stay", () => {
    const before = tables.entries(9, listed);
    const gone = before[0]!;
    const after = tables.entries(9, (i) => listed(i) && i !== gone);
    expect(after).not.toContain(gone);
    expect(after.length).toBe(before.length);
    expect(before.filter((i) => i !== gone).every((i) => after.includes(i))).toBe(true);
  });

  it("names the closest nodes of the table as ordering the whole table does, with and without itself", () => {
    const random = seeded(3);
    for (let q = 0; q < 300; q++) {
      const self = Math.floor(random() * N);
      // Targets anywhere, and near self (inside its own small buckets).
      const target = q % 2 ? positionOf(`key-${q}`) : pos[Math.floor(random() * N)]!;
      const count = [1, 5, 10, 20, 200][q % 5]!;
      const withSelf = q % 3 === 0;
      const whole = [...tables.entries(self, listed), ...(withSelf ? [self] : [])].sort((a, b) => closerTo(target, pos[a]!, pos[b]!)).slice(0, count);
      expect(tables.closest(self, target, count, listed, withSelf)).toEqual(whole);
    }
  });
});
