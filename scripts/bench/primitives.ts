// The post-quantum primitives on each runtime, native where it has them and noble where it does
// not: ms per operation inside workerd with and without the webcrypto_modern_algorithms flag
// (wrangler dev from tools/), in Deno 2.9 and in Node 24 and Node 20. Each runtime times the
// primitives it picked itself (scripts/bench/primitive-costs.ts), one runtime at a time.
//
//   npm run bench:primitives          BENCH_PASSES (3) passes over every runtime
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { ROOT, TOOLS } from "../../test/support/processes.ts";
import { startTestWorker, type TestWorker } from "../../test/support/runtimes.ts";
import { intEnv, machine, median, table } from "./lib.ts";
import { OPERATIONS, type Costs } from "./primitive-costs.ts";

interface Run {
  crypto: string;
  costs: Costs;
}

const RUN = join(ROOT, "scripts/bench/primitive-costs-run.ts");
const PASSES = intEnv("BENCH_PASSES", 3);

function child(cmd: string, args: string[]): Run {
  const out = execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, NODE_NO_WARNINGS: "1", NO_COLOR: "1" } });
  return JSON.parse(out.trim().split("\n").pop()!) as Run;
}

async function inWorkerd(worker: TestWorker): Promise<Run> {
  const res = await fetch(worker.url, { method: "POST" });
  if (!res.ok) throw new Error(`workerd: ${res.status} ${await res.text()}\n${worker.output()}`);
  return (await res.json()) as Run;
}

const started = new Date().toISOString();
const loadAtStart = loadavg()[0]!;
const worker = (flags: string[]) => startTestWorker(join(ROOT, "scripts/bench/workerd-primitives/worker.ts"), flags);
const [flagOn, flagOff] = await Promise.all([worker(["webcrypto_modern_algorithms"]), worker([])]);
const runs: [string, () => Promise<Run> | Run][] = [
  ["workerd, flag on", () => inWorkerd(flagOn)],
  ["workerd, flag off", () => inWorkerd(flagOff)],
  ["Deno 2.9", () => child(join(TOOLS, "deno"), ["run", "-A", RUN])],
  ["Node 24", () => child(join(TOOLS, "node"), ["--import", "tsx", RUN])],
  [`Node ${process.versions.node.split(".")[0]}`, () => child(process.execPath, ["--import", "tsx", RUN])],
];
// Passes over every runtime in turn, so that a burst of load from elsewhere hits them all alike.
const passes: Run[][] = runs.map(() => []);
for (let pass = 1; pass <= PASSES; pass++) {
  for (const [i, [label, run]] of runs.entries()) {
    console.error(`pass ${pass}/${PASSES}: ${label}...`);
    passes[i]!.push(await run());
  }
}
await Promise.all([flagOn.stop(), flagOff.stop()]);
const results = runs.map(([label], i): [string, Run] => {
  const rs = passes[i]!;
  return [label, { crypto: rs[0]!.crypto, costs: Object.fromEntries(OPERATIONS.map((op) => [op, median(rs.map((r) => r.costs[op]))])) as Costs }];
});

const f = (ms: number) => (ms < 1 ? ms.toFixed(3) : ms.toFixed(2));
console.log(`Run ${started}; ${machine()}; load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at the end.\n`);
console.log(table(["runtime", "what it picked"], results.map(([l, r]) => [l, r.crypto])));
console.log(`\nms per operation (in each pass the median of 7 batches of 100 ms; here the median of ${PASSES} passes):\n`);
console.log(table(["operation", ...results.map(([l]) => l)], OPERATIONS.map((op) => [op, ...results.map(([, r]) => f(r.costs[op]))])));
process.exit(0);
