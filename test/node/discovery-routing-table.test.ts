// The node's sampled k-bucket table (src/node/discovery/routing-table.ts): at most a bucket's worth
// per common-prefix length, the node's own neighbourhood whole, a sample stable within a period and
// drawn anew the next; and the iterative lookup over such tables (each node answering `closer`
// from its own table) reaches the nodes closest to a key, which hold its record.
import { describe, expect, it } from "vitest";
import { bucketOf, NodePositions, positionOf } from "../../src/protocol/discovery/placement.ts";
import { DEFAULT_LOOKUP, lookupIndex, type IndexNode } from "../../src/node/discovery/lookup.ts";
import { routingTable, TABLE_PERIOD_MS } from "../../src/node/discovery/routing-table.ts";
import { MAX_CLOSER_NODES } from "../../src/protocol/discovery/messages.ts";

const NOW = 1_767_225_600_000;
const directory: IndexNode[] = Array.from({ length: 3000 }, (_, i) => ({ id: `node-${i}`, url: `https://n${i}.example` }));
const BUCKET = 32;

describe("routing table", () => {
  const self = directory[0]!.id;
  const table = routingTable(self, directory, NOW, BUCKET);

  it("holds at most a bucket per common-prefix length, never itself, and every node of a small bucket", () => {
    const own = positionOf(self);
    const count = (nodes: IndexNode[]) => {
      const m = new Map<number, number>();
      for (const n of nodes) m.set(bucketOf(own, positionOf(n.id)), (m.get(bucketOf(own, positionOf(n.id))) ?? 0) + 1);
      return m;
    };
    const all = count(directory.filter((n) => n.id !== self));
    const kept = count(table);
    expect(table.some((n) => n.id === self)).toBe(false);
    for (const [b, n] of all) expect(kept.get(b)).toBe(Math.min(n, BUCKET));
    // Bucket 0 holds about half the directory: sampled, not whole.
    expect(all.get(0)!).toBeGreaterThan(BUCKET);
    expect(table.length).toBeLessThan(directory.length / 4);
  });

  it("is the same within a period and drawn anew in the next", () => {
    expect(routingTable(self, directory, NOW + 1000, BUCKET).map((n) => n.id)).toEqual(table.map((n) => n.id));
    const next = routingTable(self, directory, NOW + TABLE_PERIOD_MS, BUCKET).map((n) => n.id);
    expect(next).not.toEqual(table.map((n) => n.id));
  });

  it("lets an iterative lookup over sampled tables reach a key's closest nodes", async () => {
    const tables = new Map<string, NodePositions<IndexNode>>();
    const tableOf = (id: string) => tables.get(id) ?? tables.set(id, new NodePositions(routingTable(id, directory, NOW, BUCKET))).get(id)!;
    const record = { origin: "origin", key: "kw:forecast" };
    for (const key of ["kw:forecast", "kw:weather", "kw:translate"]) {
      const holders = new Set(new NodePositions(directory).closest(positionOf(key), 5).map((n) => n.id));
      const asker = directory[1234]!.id;
      const report = await lookupIndex(
        {
          self: asker,
          known: async () => tableOf(asker),
          transport: {
            async lookup(node, request) {
              const closer = tableOf(node.id).closest(positionOf(request.keys[0]!), MAX_CLOSER_NODES);
              return { type: "index-lookup", records: holders.has(node.id) ? [{ ...record, key }] : [], closer };
            },
          },
          verify: async (raw) => raw as never,
        },
        [key],
        { ...DEFAULT_LOOKUP, structure: "kademlia", replicas: 5 },
      );
      expect(report.records.get(key)).toHaveLength(1);
      expect(new Set(report.closest.get(key)!.map((n) => n.id))).toEqual(holders);
    }
  });
});
