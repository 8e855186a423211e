// Random obligation graphs for the clearing solver's tests, vectors, benchmark and simulation: at
// most one edge per pair of nodes (an obligation is already netted between its two parties), the
// debtor picked at random, amounts uniform in 1..maxAmount.
import type { Edge } from "../../src/protocol/clearing/solver.ts";

export function randomObligations(nodes: number, edges: number, random: () => number, maxAmount = 1000): Edge[] {
  if (nodes < 2 || edges > (nodes * (nodes - 1)) / 2) throw new RangeError(`${edges} obligations do not fit between ${nodes} nodes`);
  const seen = new Set<number>();
  const out: Edge[] = [];
  while (out.length < edges) {
    const a = Math.floor(random() * nodes);
    const b = Math.floor(random() * nodes);
    if (a === b || seen.has(Math.min(a, b) * nodes + Math.max(a, b))) continue;
    seen.add(Math.min(a, b) * nodes + Math.max(a, b));
    out.push({ debtor: `n${a}`, creditor: `n${b}`, capacity: 1 + Math.floor(random() * maxAmount) });
  }
  return out;
}
