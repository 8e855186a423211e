// The bounded counter behind federated budgets (src/protocol/blackboard/escrow.ts): local spends
// are refused past the node's rights, transfers move rights only from the giver, and in seeded
// random runs of nodes that spend, transfer and merge in any order, with deltas lost, repeated
// and reordered, total spent never exceeds the allocation.
import { describe, expect, it } from "vitest";
import { allocated, escrowAllocate, escrowSpend, escrowTransfer, EscrowRefused, rightsOf, totalSpent, type EscrowState } from "../../src/protocol/blackboard/escrow.ts";
import { applyOp, mergeValues, valueHash, type ValueOp } from "../../src/protocol/blackboard/value.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { seeded, shuffle } from "../support/random.ts";

const OWNER = "owner";
const stamp = (writer: string) => ({ hlc: encodeHlc({ wall: 1_767_225_600_000, counter: 0 }), writer });
const apply = (s: EscrowState | undefined, op: ValueOp, writer: string) => applyOp(s, op, stamp(writer)) as EscrowState;

describe("escrow", () => {
  it("allocates, transfers and spends, refusing a spend past the local rights", () => {
    let s = apply(undefined, escrowAllocate(undefined, OWNER, OWNER, 100), OWNER);
    s = apply(s, escrowTransfer(s, OWNER, OWNER, "b", 30), OWNER);
    expect(rightsOf(s, OWNER, OWNER)).toBe(70);
    expect(rightsOf(s, OWNER, "b")).toBe(30);
    s = apply(s, escrowSpend(s, OWNER, "b", 25), "b");
    expect(rightsOf(s, OWNER, "b")).toBe(5);
    expect(() => escrowSpend(s, OWNER, "b", 6)).toThrow(EscrowRefused);
    expect(() => escrowTransfer(s, OWNER, "b", "c", 6)).toThrow(EscrowRefused);
    s = apply(s, escrowTransfer(s, OWNER, "b", "c", 5), "b");
    expect(rightsOf(s, OWNER, "c")).toBe(5);
    expect(rightsOf(s, OWNER, "b")).toBe(0);
    expect(totalSpent(s, OWNER)).toBe(25);
    expect(allocated(s, OWNER)).toBe(100);
  });

  it("lets only the owner allocate, and refuses amounts that are not positive integers", () => {
    expect(() => escrowAllocate(undefined, OWNER, "b", 10)).toThrow(expect.objectContaining({ code: "not_owner" }));
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => escrowSpend(undefined, OWNER, OWNER, bad)).toThrow(expect.objectContaining({ code: "bad_amount" }));
    expect(() => escrowSpend(undefined, OWNER, "b", 1)).toThrow(expect.objectContaining({ code: "insufficient_rights" }));
  });

  it("keeps budgets of different owners apart under one key", () => {
    const a = apply(undefined, escrowAllocate(undefined, "a", "a", 10), "a");
    const b = apply(undefined, escrowAllocate(undefined, "b", "b", 99), "b");
    const both = mergeValues(a, b) as EscrowState;
    expect([allocated(both, "a"), allocated(both, "b")]).toEqual([10, 99]);
  });

  // Each node holds a replica and decides alone; a delta reaches another replica late, twice, or
  // never; whole states are merged now and then (anti-entropy). The truth is the join of all.
  it("never spends more than was allocated, in 400 random runs under any delivery order", () => {
    const random = seeded(2026);
    const nodes = [OWNER, "b", "c", "d"];
    let refused = 0;
    let spentOverall = 0;
    for (let run = 0; run < 400; run++) {
      const replicas = new Map<string, EscrowState | undefined>(nodes.map((n) => [n, undefined]));
      const inFlight: { to: string; op: ValueOp; writer: string }[] = [];
      const send = (op: ValueOp, writer: string) => {
        replicas.set(writer, apply(replicas.get(writer), op, writer));
        for (const to of nodes) if (to !== writer && random() < 0.8) inFlight.push({ to, op, writer });
      };
      send(escrowAllocate(undefined, OWNER, OWNER, 20 + Math.floor(random() * 80)), OWNER);
      for (let step = 0; step < 60; step++) {
        const node = nodes[Math.floor(random() * nodes.length)]!;
        const mine = replicas.get(node);
        const roll = random();
        try {
          if (roll < 0.45) send(escrowSpend(mine, OWNER, node, 1 + Math.floor(random() * 15)), node);
          else if (roll < 0.65) send(escrowTransfer(mine, OWNER, node, nodes[Math.floor(random() * nodes.length)]!, 1 + Math.floor(random() * 20)), node);
          else if (roll < 0.9 && inFlight.length > 0) {
            // Deliver one delta, chosen at random: out of order, and sometimes kept to arrive again.
            const i = Math.floor(random() * inFlight.length);
            const d = inFlight[i]!;
            if (random() < 0.7) inFlight.splice(i, 1);
            replicas.set(d.to, apply(replicas.get(d.to), d.op, d.writer));
          } else {
            const [x, y] = shuffle(nodes, random) as [string, string];
            const sx = replicas.get(x);
            const sy = replicas.get(y);
            if (sx && sy) replicas.set(y, mergeValues(sy, sx) as EscrowState);
          }
        } catch (err) {
          if (!(err instanceof EscrowRefused)) throw err;
          refused++;
        }
        const truth = [...replicas.values()].filter((s) => s !== undefined).reduce((a, b) => mergeValues(a, b) as EscrowState);
        expect(totalSpent(truth, OWNER), `run ${run}, step ${step}`).toBeLessThanOrEqual(allocated(truth, OWNER));
        for (const n of nodes) expect(rightsOf(truth, OWNER, n), `run ${run}: ${n}'s true rights`).toBeGreaterThanOrEqual(0);
      }
      // Once every replica has merged every other, all agree.
      const all = [...replicas.values()].filter((s) => s !== undefined).reduce((a, b) => mergeValues(a, b) as EscrowState);
      for (const n of nodes) replicas.set(n, mergeValues(replicas.get(n) ?? all, all) as EscrowState);
      expect(new Set(nodes.map((n) => valueHash(replicas.get(n)!))).size).toBe(1);
      spentOverall += totalSpent(all, OWNER);
    }
    // The runs must exercise both sides of the check, or they prove nothing.
    expect(refused).toBeGreaterThan(500);
    expect(spentOverall).toBeGreaterThan(400 * 10);
  });
});
