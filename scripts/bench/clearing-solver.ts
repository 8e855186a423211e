// The clearing solver (src/protocol/clearing/solver.ts) on random obligation graphs of 1k, 10k and
// 100k edges (about 5 obligations per node, amounts 1..1000): wall and CPU time per solve, median
// of several runs after one warm-up; then, on a 2,000-node 10,000-edge graph, what the greedy
// short-cycle canceller (test/support/greedy-clearing.ts) clears at 3, 6 and 12 hops, as a share
// of the maximum. Prints markdown.
//
//   npm run bench:clearing-solver          (RUNS=7, seed 16)
import { cpus, loadavg } from "node:os";
import { solveClearing, type Edge } from "../../src/protocol/clearing/solver.ts";
import { greedyClearing } from "../../test/support/greedy-clearing.ts";
import { randomObligations } from "../../test/support/obligation-graphs.ts";
import { seeded } from "../../test/support/random.ts";
import { intEnv, median, table } from "./lib.ts";

const RUNS = intEnv("RUNS", 7);
const SEED = intEnv("SEED", 16);

function time<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = f();
  const wall = performance.now() - t;
  const used = process.cpuUsage(c);
  return { value, wall, cpu: (used.user + used.system) / 1000 };
}

console.log(`Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? "?"}, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);

// Warm the JIT on a throwaway graph first, or the first size pays for compiling the solver.
for (let i = 0; i < 5; i++) solveClearing(randomObligations(2000, 10_000, seeded(SEED + 1_000_000 + i)));

// Three graphs per size (seeds SEED, SEED+1, SEED+2): times vary more between graphs than between runs.
const rows: (string | number)[][] = [];
for (const [nodes, edges] of [[200, 1000], [2000, 10_000], [20_000, 100_000]] as const) {
  const runs = edges >= 100_000 ? Math.max(3, Math.ceil(RUNS / 2)) : RUNS;
  const perGraph: { wall: number; cpu: number; cleared: number }[] = [];
  for (let g = 0; g < 3; g++) {
    const graph = randomObligations(nodes, edges, seeded(SEED + g + edges));
    const first = time(() => solveClearing(graph));
    const walls: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = time(() => solveClearing(graph));
      if (t.value.total !== first.value.total) throw new Error("the solver is not deterministic");
      walls.push(t.wall);
      cpu.push(t.cpu);
    }
    perGraph.push({ wall: median(walls), cpu: median(cpu), cleared: first.value.total / graph.reduce((a, e) => a + e.capacity, 0) });
  }
  const by = (f: (x: (typeof perGraph)[number]) => number) => perGraph.map(f).map((x) => x.toFixed(0)).join(" / ");
  rows.push([edges.toLocaleString("en"), nodes.toLocaleString("en"), runs, by((x) => x.wall), by((x) => x.cpu), perGraph.map((x) => `${(100 * x.cleared).toFixed(1)}%`).join(" / ")]);
}
console.log(table(["edges", "nodes", "runs per graph", "wall ms, median (3 graphs)", "CPU ms, median (3 graphs)", "debt cleared"], rows));

// Shapes that are harder for this method than random trade: one long cycle (many short repair
// phases), a cycle with random chords, and hubs (preferential attachment).
const random = seeded(SEED);
const amount = () => 1 + Math.floor(random() * 1000);
const ring = (n: number): Edge[] => Array.from({ length: n }, (_, i) => ({ debtor: `n${i}`, creditor: `n${(i + 1) % n}`, capacity: amount() }));
const chords = (n: number, m: number): Edge[] =>
  Array.from({ length: m }, () => {
    const a = Math.floor(random() * n);
    const b = (a + 1 + Math.floor(random() * (n - 1))) % n;
    return { debtor: `n${a}`, creditor: `n${b}`, capacity: amount() };
  });
const hubs = (m: number): Edge[] => {
  const out: Edge[] = [];
  const ends = [0, 1];
  for (let v = 2; out.length < m; v++) {
    for (let k = 0; k < 5 && out.length < m; k++) {
      const u = ends[Math.floor(random() * ends.length)]!;
      if (u === v) continue;
      out.push(random() < 0.5 ? { debtor: `n${v}`, creditor: `n${u}`, capacity: amount() } : { debtor: `n${u}`, creditor: `n${v}`, capacity: amount() });
      ends.push(u, v);
    }
  }
  return out;
};
const shapes: [string, Edge[]][] = [
  ["one cycle of 10,000 nodes", ring(10_000)],
  ["a 5,000-node cycle + 5,000 random chords", [...ring(5000), ...chords(5000, 5000)]],
  ["hubs: preferential attachment, 10,000 edges", hubs(10_000)],
];
const shapeRows = shapes.map(([name, graph]) => {
  const walls: number[] = [];
  const cpu: number[] = [];
  let c = solveClearing(graph);
  for (let r = 0; r < RUNS; r++) {
    const t = time(() => solveClearing(graph));
    c = t.value;
    walls.push(t.wall);
    cpu.push(t.cpu);
  }
  return [name, median(walls).toFixed(0), median(cpu).toFixed(0), Math.max(...c.potentials.values())];
});
console.log("\nOther shapes:\n");
console.log(table(["graph", "wall ms (median)", "CPU ms (median)", "largest potential"], shapeRows));

const graph = randomObligations(2000, 10_000, seeded(SEED));
const best = solveClearing(graph).total;
const greedy: (string | number)[][] = [["exact (this solver)", best.toLocaleString("en"), "100%", ""]];
for (const hops of [3, 6, 12]) {
  const g = time(() => greedyClearing(graph, hops));
  greedy.push([`greedy, cycles ≤ ${hops} hops`, g.value.total.toLocaleString("en"), `${((100 * g.value.total) / best).toFixed(1)}%`, g.wall.toFixed(0)]);
}
console.log(`\n2,000 nodes, 10,000 edges (seed ${SEED}):\n`);
console.log(table(["clearing", "cleared", "share of the maximum", "wall ms"], greedy));
