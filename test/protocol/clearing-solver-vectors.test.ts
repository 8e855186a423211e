// The clearing vectors (test/vectors/clearing/solver.json, from scripts/vectors/clearing-solver.ts): the
// solver must return exactly the stated flows and potentials, whose totals an independent LP solver
// (HiGHS) confirms as maxima, and the certificate must give every stated verdict.
import highsLoader from "highs";
import { describe, expect, it } from "vitest";
import { checkLocal, localEdges, type LocalEdge, type LocalVerdict } from "../../src/protocol/clearing/certificate.ts";
import { solveClearing, type Edge } from "../../src/protocol/clearing/solver.ts";
import { vector } from "./paths.ts";

interface Vectors {
  graphs: { name: string; edges: Edge[]; flows: number[]; potentials: Record<string, number>; total: number }[];
  certificates: { about: string; node: string; edges: LocalEdge[]; verdict: LocalVerdict }[];
}
const vectors = vector<Vectors>("clearing/solver.json");
const highs = await highsLoader();

describe("clearing vectors", () => {
  it("has the solver return the stated clearing of every graph", () => {
    expect(vectors.graphs.map((g) => g.name)).toContain("cycles-blog");
    for (const g of vectors.graphs) {
      const c = solveClearing(g.edges);
      expect(c.flows, g.name).toEqual(g.flows);
      expect(Object.fromEntries(c.potentials), g.name).toEqual(g.potentials);
      expect(c.total, g.name).toBe(g.total);
    }
    expect(vectors.graphs.find((g) => g.name === "cycles-blog")!.total).toBe(570);
  });

  it("states totals that are LP maxima, certified at every node", () => {
    for (const g of vectors.graphs) {
      const lp = [
        "Maximize",
        ` total: ${g.edges.map((_, i) => `x${i}`).join(" + ")}`,
        "Subject To",
        ...[...new Set(g.edges.flatMap((e) => [e.debtor, e.creditor]))].map(
          (v, k) => ` c${k}: ${g.edges.map((e, i) => (e.creditor === v ? `+ x${i}` : e.debtor === v ? `- x${i}` : "")).join(" ")} = 0`,
        ),
        "Bounds",
        ...g.edges.map((e, i) => ` 0 <= x${i} <= ${e.capacity}`),
        "End",
      ].join("\n");
      expect(Math.round(highs.solve(lp, { output_flag: false }).ObjectiveValue), g.name).toBe(g.total);
      const potentials = new Map(Object.entries(g.potentials));
      for (const node of potentials.keys()) expect(checkLocal(node, localEdges(node, g.edges, g.flows, potentials)), `${g.name}: ${node}`).toEqual({ ok: true });
    }
  });

  it("gives every certificate its stated verdict, refusals included", () => {
    expect(vectors.certificates.filter((c) => !c.verdict.ok).map((c) => !c.verdict.ok && c.verdict.reason)).toEqual(
      expect.arrayContaining(["not_optimal", "unbalanced", "over_capacity", "inconsistent_potentials"]),
    );
    for (const c of vectors.certificates) expect(checkLocal(c.node, c.edges), c.about).toEqual(c.verdict);
  });
});
