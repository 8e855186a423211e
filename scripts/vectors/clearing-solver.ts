// The clearing solver's vectors (test/vectors/clearing/solver.json): obligation graphs with the
// exact flows, potentials and total the solver returns, and local certificates with the verdict
// each must get, positive and negative. Run by scripts/vectors.ts; test/protocol/clearing-solver-vectors.test.ts
// checks the code against them. The solver is deterministic, so the file only changes with it.
import { checkLocal, localEdges, type LocalEdge, type LocalVerdict } from "../../src/protocol/clearing/certificate.ts";
import { solveClearing, type Edge } from "../../src/protocol/clearing/solver.ts";
import { randomObligations } from "../../test/support/obligation-graphs.ts";
import { seeded } from "../../test/support/random.ts";
import { agree, write } from "./common.ts";

const edgesOf = (rows: [string, string, number][]): Edge[] => rows.map(([debtor, creditor, capacity]) => ({ debtor, creditor, capacity }));

// The worked example of the Cycles protocol's "Obligation-Clearing Algorithm Design 101" post: two
// $70 triangles (420 cleared) or one $100 five-cycle (500); the maximum mixes them for 570.
const cyclesBlog = edgesOf([
  ["Alice", "Bob", 100],
  ["Bob", "Eve", 70],
  ["Eve", "Alice", 100],
  ["Charlie", "Dave", 100],
  ["Dave", "Eve", 100],
  ["Eve", "Charlie", 70],
  ["Bob", "Charlie", 100],
]);

const graphs: { name: string; about: string; edges: Edge[]; total: number }[] = [
  { name: "cycles-blog", about: "The Cycles protocol blog's example: the maximum is 570; the $100 five-cycle alone clears 500, the two $70 triangles 420.", edges: cyclesBlog, total: 570 },
  { name: "triangle", about: "One cycle: its smallest obligation clears on every edge.", edges: edgesOf([["a", "b", 5], ["b", "c", 9], ["c", "a", 7]]), total: 15 },
  { name: "no-cycle", about: "A chain and a fork: nothing can clear.", edges: edgesOf([["a", "b", 5], ["b", "c", 9], ["a", "c", 7]]), total: 0 },
  { name: "shared-edge", about: "Two cycles through a → b, whose capacity they share.", edges: edgesOf([["a", "b", 10], ["b", "c", 5], ["c", "a", 7], ["b", "a", 3]]), total: 21 },
  { name: "zero-capacity", about: "An edge of capacity 0 (a 0% limit) carries nothing and breaks its cycle.", edges: edgesOf([["a", "b", 0], ["b", "c", 4], ["c", "a", 4], ["c", "d", 2], ["d", "c", 2]]), total: 4 },
  { name: "random-40", about: "40 random obligations among 12 nodes (seed 16).", edges: randomObligations(12, 40, seeded(16), 100), total: -1 },
];

const solved = graphs.map((g) => {
  const r = solveClearing(g.edges);
  if (g.total >= 0) agree(`${g.name} total`, g.total, r.total);
  return { name: g.name, about: g.about, edges: g.edges, flows: r.flows, potentials: Object.fromEntries(r.potentials), total: r.total };
});

// Certificates: one node's view of a clearing, and the verdict checkLocal must give.
const certificates: { about: string; node: string; edges: LocalEdge[]; verdict: LocalVerdict }[] = [];
const certificate = (about: string, node: string, edges: LocalEdge[], verdict: LocalVerdict) => {
  agree(about, verdict, checkLocal(node, edges));
  certificates.push({ about, node, edges, verdict });
};
const blog = solveClearing(cyclesBlog);
for (const node of blog.potentials.keys()) certificate(`cycles-blog: ${node}'s edges of the maximum`, node, localEdges(node, cyclesBlog, blog.flows, blog.potentials), { ok: true });
// The five-cycle alone: feasible and balanced, but Eve's idle triangle edges have room at a negative reduced cost.
const fiveCycle = [100, 0, 100, 100, 100, 0, 100];
certificate("cycles-blog: the $100 five-cycle alone (500) with the maximum's potentials", "Eve", localEdges("Eve", cyclesBlog, fiveCycle, blog.potentials), { ok: false, reason: "not_optimal" });
const tampered = (node: string, change: (edges: LocalEdge[]) => void) => {
  const edges = localEdges(node, cyclesBlog, blog.flows, blog.potentials);
  change(edges);
  return edges;
};
certificate("cycles-blog: Bob → Charlie clears 1 less, so Bob is owed 1 more than he gives up", "Bob", tampered("Bob", (es) => es.find((e) => e.creditor === "Charlie")!.flow--), { ok: false, reason: "unbalanced" });
certificate("cycles-blog: Alice → Bob clears 101 of 100", "Alice", tampered("Alice", (es) => es.forEach((e) => e.flow++)), { ok: false, reason: "over_capacity" });
certificate("cycles-blog: Charlie shows two different potentials", "Charlie", tampered("Charlie", (es) => es[0]!.potentials[es[0]!.debtor === "Charlie" ? "debtor" : "creditor"]--), { ok: false, reason: "inconsistent_potentials" });
certificate(
  "cycles-blog: Charlie's potential lowered by 1 on every edge: Bob → Charlie then has room at a negative reduced cost",
  "Charlie",
  tampered("Charlie", (es) => es.forEach((e) => (e.debtor === "Charlie" ? e.potentials.debtor-- : e.potentials.creditor--))),
  { ok: false, reason: "not_optimal" },
);
certificate("an edge that does not touch the checking node", "Alice", localEdges("Dave", cyclesBlog, blog.flows, blog.potentials), { ok: false, reason: "inconsistent_potentials" });
certificate("a fractional flow", "a", [{ debtor: "a", creditor: "b", capacity: 2, flow: 0.5, potentials: { debtor: 1, creditor: 0 } }, { debtor: "b", creditor: "a", capacity: 2, flow: 0.5, potentials: { debtor: 0, creditor: 1 } }], { ok: false, reason: "over_capacity" });
certificate("a fractional potential (potentials are safe integers on the wire)", "a", [{ debtor: "a", creditor: "b", capacity: 2, flow: 2, potentials: { debtor: 0.5, creditor: 0 } }, { debtor: "b", creditor: "a", capacity: 2, flow: 2, potentials: { debtor: 0, creditor: 0.5 } }], { ok: false, reason: "inconsistent_potentials" });

write("clearing/solver.json", {
  about: "Clearing solver and local certificate (docs/protocol.md §16, The optimum and its certificate). Optimal iff, with the potentials p: flow < capacity ⇒ p(debtor) − p(creditor) ≥ 1, flow > 0 ⇒ p(debtor) − p(creditor) ≤ 1. flows[i] is for edges[i].",
  graphs: solved,
  certificates,
});
