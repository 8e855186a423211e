// XOR placement over the directory sorted by position (src/protocol/discovery/placement.ts): the
// n closest it names are those a sort of every node by XOR distance names, for any n, with nodes
// left out by a filter, with a target equal to a node's position, and with fewer nodes than asked.
import { describe, expect, it } from "vitest";
import { NodePositions, positionOf } from "../../src/protocol/discovery/placement.ts";

const nodes = Array.from({ length: 2000 }, (_, i) => ({ id: `node-${i}` }));
const positions = new Map(nodes.map((x) => [x.id, positionOf(x.id)]));
const distance = (t: Uint8Array, id: string) => Buffer.from(positions.get(id)!.map((b, i) => b ^ t[i]!)).toString("hex");
const bySort = (t: Uint8Array, n: number, keep: (x: { id: string }) => boolean = () => true) =>
  nodes
    .filter(keep)
    .map((x) => ({ id: x.id, d: distance(t, x.id) }))
    .sort((a, b) => (a.d < b.d ? -1 : 1))
    .slice(0, n)
    .map((x) => x.id);

describe("NodePositions", () => {
  const directory = new NodePositions(nodes);

  it("names the n closest under XOR, closest first, as a sort of every node does", () => {
    for (let q = 0; q < 60; q++) {
      const t = positionOf(`kw:w${q}`);
      for (const n of [1, 5, 10, 33]) expect(directory.closest(t, n).map((x) => x.id)).toEqual(bySort(t, n));
    }
  });

  it("skips the nodes a filter leaves out and still names n", () => {
    const keep = (x: { id: string }) => Number(x.id.slice(5)) % 3 !== 0;
    for (let q = 0; q < 40; q++) {
      const t = positionOf(`kw:f${q}`);
      expect(directory.closest(t, 10, keep).map((x) => x.id)).toEqual(bySort(t, 10, keep));
    }
  });

  it("puts a node first for its own position, and names what there is when asked for more", () => {
    expect(directory.closest(positionOf("node-17"), 3)[0]!.id).toBe("node-17");
    const few = new NodePositions(nodes.slice(0, 4));
    expect(few.closest(positionOf("kw:x"), 10).map((x) => x.id).sort()).toEqual(nodes.slice(0, 4).map((x) => x.id).sort());
    expect(new NodePositions([]).closest(positionOf("kw:x"), 5)).toEqual([]);
  });

  it("is the same structure from cached positions as from hashing", () => {
    const again = new NodePositions(nodes, (id) => directory.positions().get(id)!);
    expect(again.all()).toEqual(directory.all());
  });
});
