// The clearing solver against an independent LP solver (HiGHS, compiled to WebAssembly, a
// devDependency used here only), and the local certificate against the solver's output and
// against clearings tampered with in each way a coordinator could cheat or err.
import highsLoader from "highs";
import { describe, expect, it } from "vitest";
import { checkLocal, localEdges } from "../../src/protocol/clearing/certificate.ts";
import { ClearingInputError, solveClearing, type Clearing, type Edge } from "../../src/protocol/clearing/solver.ts";
import { greedyClearing } from "../support/greedy-clearing.ts";
import { randomObligations } from "../support/obligation-graphs.ts";
import { seeded } from "../support/random.ts";

const highs = await highsLoader();

/** max Σ x_e subject to conservation at every node and 0 ≤ x_e ≤ capacity, solved by HiGHS. */
function lpMaximum(edges: readonly Edge[]): number {
  const rows = new Map<string, string[]>();
  const term = (node: string, t: string) => rows.set(node, [...(rows.get(node) ?? []), t]);
  edges.forEach((e, i) => {
    term(e.creditor, `+ x${i}`);
    term(e.debtor, `- x${i}`);
  });
  const lp = [
    "Maximize",
    ` total: ${edges.map((_, i) => `x${i}`).join(" + ")}`,
    "Subject To",
    ...[...rows.values()].map((ts, k) => ` c${k}: ${ts.join(" ")} = 0`),
    "Bounds",
    ...edges.map((e, i) => ` 0 <= x${i} <= ${e.capacity}`),
    "End",
  ].join("\n");
  const result = highs.solve(lp, { output_flag: false });
  expect(result.Status).toBe("Optimal");
  return Math.round(result.ObjectiveValue);
}

const nodesOf = (edges: readonly Edge[]) => [...new Set(edges.flatMap((e) => [e.debtor, e.creditor]))];
const verdicts = (edges: readonly Edge[], flows: readonly number[], potentials: ReadonlyMap<string, number>) =>
  nodesOf(edges).map((node) => checkLocal(node, localEdges(node, edges, flows, potentials)));
const allAccept = (edges: readonly Edge[], c: Clearing) => verdicts(edges, c.flows, c.potentials).every((v) => v.ok);

/** Edge indices of one cycle among the edges with flow > 0 (a circulation has one wherever it is not 0). */
function flowCycle(edges: readonly Edge[], flows: readonly number[]): number[] {
  const outOf = new Map<string, number>();
  edges.forEach((e, i) => {
    if (flows[i]! > 0 && !outOf.has(e.debtor)) outOf.set(e.debtor, i);
  });
  const seen = new Map<string, number>();
  const walk: number[] = [];
  let node = edges[outOf.values().next().value!]!.debtor;
  while (!seen.has(node)) {
    seen.set(node, walk.length);
    const i = outOf.get(node)!;
    walk.push(i);
    node = edges[i]!.creditor;
  }
  return walk.slice(seen.get(node));
}

// Sizes from 10 to 10,000 edges, about 5 edges per node as in a trading network.
const sizes: [number, number, number[]][] = [
  [10, 6, [1, 2, 3, 4, 5, 6, 7, 8]],
  [100, 20, [1, 2, 3, 4]],
  [1000, 200, [1, 2]],
  [10_000, 2000, [1]],
];

describe("clearing solver", () => {
  for (const [m, n, seeds] of sizes) {
    it(`clears exactly the LP maximum on random graphs of ${m} edges, and its certificate holds at every node`, () => {
      for (const seed of seeds) {
        const edges = randomObligations(n, m, seeded(m * 1000 + seed));
        const c = solveClearing(edges);
        expect(c.total).toBe(lpMaximum(edges));
        expect(c.total).toBe(c.flows.reduce((a, b) => a + b, 0));
        expect(c.flows.every((f, i) => Number.isSafeInteger(f) && f >= 0 && f <= edges[i]!.capacity)).toBe(true);
        expect([...c.potentials.values()].every(Number.isSafeInteger)).toBe(true);
        expect(allAccept(edges, c)).toBe(true);
      }
    });
  }

  it("is deterministic: the same input gives the same flows and potentials", () => {
    const edges = randomObligations(200, 1000, seeded(99));
    const a = solveClearing(edges);
    const b = solveClearing(edges.map((e) => ({ ...e })));
    expect(b.flows).toEqual(a.flows);
    expect([...b.potentials]).toEqual([...a.potentials]);
  });

  it("handles the degenerate inputs: nothing, parallel edges, capacity 0", () => {
    expect(solveClearing([])).toEqual({ flows: [], potentials: new Map(), total: 0 });
    const parallel = [
      { debtor: "a", creditor: "b", capacity: 3 },
      { debtor: "a", creditor: "b", capacity: 4 },
      { debtor: "b", creditor: "a", capacity: 5 },
      { debtor: "c", creditor: "a", capacity: 0 },
    ];
    const c = solveClearing(parallel);
    expect(c.total).toBe(10);
    expect(c.flows[3]).toBe(0);
    expect(allAccept(parallel, c)).toBe(true);
  });

  it("refuses bad input with a typed error", () => {
    const bad = [{ capacity: -1 }, { capacity: 1.5 }, { capacity: Number.NaN }, { capacity: 2 ** 53 }, { creditor: "a" }];
    for (const b of bad) expect(() => solveClearing([{ debtor: "a", creditor: "b", capacity: 1, ...b }])).toThrow(ClearingInputError);
    const huge = Number.MAX_SAFE_INTEGER;
    expect(() => solveClearing([{ debtor: "a", creditor: "b", capacity: huge }, { debtor: "b", creditor: "a", capacity: huge }])).toThrow(ClearingInputError);
  });
});

describe("local certificate", () => {
  const graphs = [1, 2, 3].map((seed) => randomObligations(100, 500, seeded(seed), 50));

  it("rejects a unit of flow taken off a cycle of the clearing (balanced and feasible, but not optimal)", () => {
    for (const edges of graphs) {
      const c = solveClearing(edges);
      const flows = [...c.flows];
      for (const i of flowCycle(edges, flows)) flows[i]!--;
      const vs = verdicts(edges, flows, c.potentials);
      expect(vs.some((v) => v.ok)).toBe(true);
      expect(vs.filter((v) => !v.ok).every((v) => !v.ok && v.reason === "not_optimal")).toBe(true);
      expect(vs.some((v) => !v.ok)).toBe(true);
    }
  });

  it("rejects an unbalanced node: one edge clears one unit less", () => {
    for (const edges of graphs) {
      const c = solveClearing(edges);
      const i = c.flows.findIndex((f) => f > 0);
      const flows = c.flows.map((f, k) => (k === i ? f - 1 : f));
      expect(checkLocal(edges[i]!.debtor, localEdges(edges[i]!.debtor, edges, flows, c.potentials))).toEqual({ ok: false, reason: "unbalanced" });
      expect(checkLocal(edges[i]!.creditor, localEdges(edges[i]!.creditor, edges, flows, c.potentials))).toEqual({ ok: false, reason: "unbalanced" });
    }
  });

  it("rejects a lowered potential, and a potential that differs between a node's edges", () => {
    for (const edges of graphs) {
      const c = solveClearing(edges);
      // A node with a tight edge: partly cleared, so its gap is exactly 1 either way.
      const i = c.flows.findIndex((f, k) => f > 0 && f < edges[k]!.capacity);
      const node = edges[i]!.debtor;
      const lowered = new Map(c.potentials).set(node, c.potentials.get(node)! - 1);
      expect(checkLocal(node, localEdges(node, edges, c.flows, lowered))).toEqual({ ok: false, reason: "not_optimal" });
      const mixed = localEdges(node, edges, c.flows, c.potentials);
      expect(mixed.length).toBeGreaterThan(1);
      const k = mixed.length - 1;
      mixed[k]!.potentials[mixed[k]!.debtor === node ? "debtor" : "creditor"] += 5;
      expect(checkLocal(node, mixed)).toEqual({ ok: false, reason: "inconsistent_potentials" });
    }
  });

  it("rejects flows over capacity or below 0", () => {
    const edges = graphs[0]!;
    const c = solveClearing(edges);
    const full = c.flows.findIndex((f, k) => f === edges[k]!.capacity && f > 0);
    const over = c.flows.map((f, k) => (k === full ? f + 1 : f));
    expect(checkLocal(edges[full]!.debtor, localEdges(edges[full]!.debtor, edges, over, c.potentials))).toEqual({ ok: false, reason: "over_capacity" });
    const idle = c.flows.findIndex((f) => f === 0);
    const negative = c.flows.map((f, k) => (k === idle ? -1 : f));
    expect(checkLocal(edges[idle]!.debtor, localEdges(edges[idle]!.debtor, edges, negative, c.potentials))).toEqual({ ok: false, reason: "over_capacity" });
  });

  it("rejects the greedy short-cycle clearing, feasible but short of the maximum, at some node", () => {
    for (const edges of graphs) {
      const c = solveClearing(edges);
      for (const hops of [3, 6]) {
        const greedy = greedyClearing(edges, hops);
        expect(greedy.total).toBeLessThan(c.total);
        const vs = verdicts(edges, greedy.flows, c.potentials);
        expect(vs.every((v) => v.ok || v.reason === "not_optimal")).toBe(true); // balanced and within capacity
        expect(vs.some((v) => !v.ok)).toBe(true);
      }
    }
  });

  it("is sound on small graphs, checked exhaustively: whenever every node accepts, the clearing is a maximum", () => {
    const random = seeded(4242);
    let accepted = 0;
    for (let g = 0; g < 8; g++) {
      const edges = randomObligations(4, 5, random, 2);
      const best = lpMaximum(edges);
      const nodes = nodesOf(edges);
      for (let f = 0; f < 3 ** edges.length; f++) {
        const flows = edges.map((_, i) => Math.floor(f / 3 ** i) % 3);
        for (let p = 0; p < 4 ** nodes.length; p++) {
          const potentials = new Map(nodes.map((v, i) => [v, Math.floor(p / 4 ** i) % 4]));
          if (!verdicts(edges, flows, potentials).every((v) => v.ok)) continue;
          accepted++;
          expect(flows.reduce((a, b) => a + b, 0)).toBe(best);
        }
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });
});
