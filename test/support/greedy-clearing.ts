// The heuristic the exact solver replaces, for comparison only (tests, benchmark): cancel short
// cycles greedily. For each node in turn, find a shortest cycle through it of at most `maxHops`
// edges that still has room on every edge (breadth-first), clear the smallest room along it, and
// repeat until no such cycle is left anywhere. Feasible (a sum of cycles), rarely optimal.
import type { Edge } from "../../src/protocol/clearing/solver.ts";

export function greedyClearing(edges: readonly Edge[], maxHops: number): { flows: number[]; total: number } {
  const room = edges.map((e) => e.capacity);
  const flows = edges.map(() => 0);
  const out = new Map<string, number[]>();
  for (let i = 0; i < edges.length; i++) {
    const list = out.get(edges[i]!.debtor) ?? [];
    list.push(i);
    out.set(edges[i]!.debtor, list);
  }
  const nodes = [...new Set(edges.flatMap((e) => [e.debtor, e.creditor]))];
  let total = 0;
  for (const start of nodes) {
    for (;;) {
      const cycle = shortestCycle(start);
      if (!cycle) break;
      const amount = Math.min(...cycle.map((i) => room[i]!));
      for (const i of cycle) {
        room[i]! -= amount;
        flows[i]! += amount;
      }
      total += amount * cycle.length;
    }
  }
  return { flows, total };

  // Edges of a shortest cycle start → … → start with room everywhere, or undefined.
  function shortestCycle(start: string): number[] | undefined {
    const via = new Map<string, number>(); // node → edge it was reached by
    let frontier = [start];
    for (let hop = 0; hop < maxHops && frontier.length > 0; hop++) {
      const next: string[] = [];
      for (const u of frontier) {
        for (const i of out.get(u) ?? []) {
          if (room[i]! <= 0) continue;
          const v = edges[i]!.creditor;
          if (v === start) {
            const cycle = [i];
            for (let w = u; w !== start; w = edges[via.get(w)!]!.debtor) cycle.push(via.get(w)!);
            return cycle.reverse();
          }
          if (via.has(v)) continue;
          via.set(v, i);
          next.push(v);
        }
      }
      frontier = next;
    }
    return undefined;
  }
}
