// The clearing solver (src/protocol/clearing/solver.ts) on random obligation graphs of 1k, 10k and
// 100k edges (about 5 obligations per node, amounts 1..1000): wall and CPU time per solve, median
// of several runs after one warm-up; then, on a 2,000-node 10,000-edge graph, what the greedy
// short-cycle canceller (test/support/greedy-clearing.ts) clears at 3, 6 and 12 hops, as a share
// of the maximum. Prints markdown.
//
//   npm run bench:clearing-solver          (RUNS=7, seed 16)
import { cpus, loadavg } from "node:os";
import { solveClearing } from "../../src/protocol/clearing/solver.ts";
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

const rows: (string | number)[][] = [];
for (const [nodes, edges] of [[200, 1000], [2000, 10_000], [20_000, 100_000]] as const) {
  const graph = randomObligations(nodes, edges, seeded(SEED + edges));
  const runs = edges >= 100_000 ? Math.max(3, Math.ceil(RUNS / 2)) : RUNS;
  const first = time(() => solveClearing(graph));
  const walls: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = time(() => solveClearing(graph));
    if (t.value.total !== first.value.total) throw new Error("the solver is not deterministic");
    walls.push(t.wall);
    cpu.push(t.cpu);
  }
  const debt = graph.reduce((a, e) => a + e.capacity, 0);
  rows.push([edges.toLocaleString("en"), nodes.toLocaleString("en"), runs, median(walls).toFixed(0), median(cpu).toFixed(0), Math.min(...walls).toFixed(0), `${((100 * first.value.total) / debt).toFixed(1)}%`]);
}
console.log(table(["edges", "nodes", "runs", "wall ms (median)", "CPU ms (median)", "wall ms (best)", "debt cleared"], rows));

const graph = randomObligations(2000, 10_000, seeded(SEED));
const best = solveClearing(graph).total;
const greedy: (string | number)[][] = [["exact (this solver)", best.toLocaleString("en"), "100%", ""]];
for (const hops of [3, 6, 12]) {
  const g = time(() => greedyClearing(graph, hops));
  greedy.push([`greedy, cycles ≤ ${hops} hops`, g.value.total.toLocaleString("en"), `${((100 * g.value.total) / best).toFixed(1)}%`, g.wall.toFixed(0)]);
}
console.log(`\n2,000 nodes, 10,000 edges (seed ${SEED}):\n`);
console.log(table(["clearing", "cleared", "share of the maximum", "wall ms"], greedy));
