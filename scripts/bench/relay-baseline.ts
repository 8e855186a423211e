// One tree against another in the same run: the relay rig (relay.ts) started from a baseline
// checkout and from this tree in turn, round after round, so load drifts hit both alike. Per round
// and tree: local and channel calls at concurrency 1, their p50 and the CPU per call of B and of
// A (from /proc), the first call on a new channel against the call after it (relay.ts's trials),
// and this tree's ratios to the baseline's.
//
//   RELAY_BASELINE_ROOT=<checkout> npm run bench:relay-baseline
//
// The checkout is e.g. main's tree from `git archive`, with this node_modules linked into it.
// Knobs: RELAY_BASELINE_ROUNDS (2), RELAY_BASELINE_CALLS (100), RELAY_BASELINE_WARMUP (30),
// RELAY_BASELINE_TRIALS (15 first calls), RELAY_BASELINE_PATH (noble: Node 20; native: Node 24).
import { loadavg } from "node:os";
import { closedLoop, echo, fmt, intEnv, machine, median, table } from "./lib.ts";
import { cpuMsOf } from "./node-process.ts";
import { firstCalls, RUNTIMES, startRelayRig } from "./relay.ts";

const root = process.env.RELAY_BASELINE_ROOT;
if (!root) throw new Error("set RELAY_BASELINE_ROOT to the baseline checkout");
const rounds = intEnv("RELAY_BASELINE_ROUNDS", 2);
const calls = intEnv("RELAY_BASELINE_CALLS", 100);
const warmup = intEnv("RELAY_BASELINE_WARMUP", 30);
const trials = intEnv("RELAY_BASELINE_TRIALS", 15);
const cryptoPath = (process.env.RELAY_BASELINE_PATH ?? "noble") as keyof typeof RUNTIMES;
if (!RUNTIMES[cryptoPath]) throw new Error(`RELAY_BASELINE_PATH is noble or native, not ${cryptoPath}`);
const PATHS = ["local", "channel"] as const;
type Figures = Record<(typeof PATHS)[number], { p50: number; b: number; a: number }> & { first: { first: number; next: number } };

async function measure(tree: string | undefined): Promise<Figures> {
  const rig = await startRelayRig(RUNTIMES[cryptoPath].node, tree ? { root: tree } : {});
  try {
    const out = {} as Figures;
    for (const path of PATHS) {
      const call = (i: number) => echo(rig.clients[path], rig.names[path], i);
      for (let i = 0; i < warmup; i++) await call(i);
      const before = { b: cpuMsOf(rig.b.child.pid!), a: cpuMsOf(rig.a.child.pid!) };
      const { samples } = await closedLoop(calls, 1, call);
      out[path] = { p50: median(samples), b: (cpuMsOf(rig.b.child.pid!) - before.b) / calls, a: (cpuMsOf(rig.a.child.pid!) - before.a) / calls };
    }
    out.first = await firstCalls(rig, trials);
    return out;
  } finally {
    await rig.stop();
  }
}

const load0 = loadavg()[0]!;
const rows: (string | number)[][] = [];
const firstRows: (string | number)[][] = [];
const ratios: Record<string, number[]> = {};
for (let r = 1; r <= rounds; r++) {
  // Alternate which tree goes first.
  const order: [string, string | undefined][] = r % 2 ? [["baseline", root], ["this tree", undefined]] : [["this tree", undefined], ["baseline", root]];
  const got: Record<string, Figures> = {};
  for (const [name, tree] of order) {
    console.error(`round ${r}: ${name}`);
    got[name] = await measure(tree);
  }
  for (const path of PATHS) {
    for (const name of ["baseline", "this tree"]) {
      const f = got[name]![path];
      rows.push([r, path, name, fmt(f.p50), fmt(f.b), path === "channel" ? fmt(f.a) : "–"]);
    }
    const base = got.baseline![path];
    const mine = got["this tree"]![path];
    for (const [k, v] of Object.entries({ [`${path} p50`]: mine.p50 / base.p50, [`${path} B CPU`]: mine.b / base.b, ...(path === "channel" ? { [`${path} A CPU`]: mine.a / base.a } : {}) })) {
      (ratios[k] ??= []).push(v);
    }
  }
  for (const name of ["baseline", "this tree"]) {
    const { first, next } = got[name]!.first;
    firstRows.push([r, name, fmt(first), fmt(next), fmt(first - next)]);
  }
  const added = (f: Figures) => f.first.first - f.first.next;
  (ratios["first call, added over the next"] ??= []).push(added(got["this tree"]!) / added(got.baseline!));
}
console.log(`\n${machine()}; ${cryptoPath} path; ${rounds} rounds, ${calls} calls per path at c=1 after ${warmup} of warm-up, ${trials} first-call trials; load average ${fmt(load0)} at the start, ${fmt(loadavg()[0]!)} at the end.\n`);
console.log(table(["round", "path", "tree", "p50 ms", "B CPU ms per call", "A CPU ms per call"], rows));
console.log("\nFirst call on a new channel (A dropped its channels to B) and the call after it, medians of the trials:\n");
console.log(table(["round", "tree", "first ms", "next ms", "added ms"], firstRows));
console.log("\nThis tree over the baseline (medians over rounds):\n");
console.log(table(["figure", "ratio"], Object.entries(ratios).map(([k, v]) => [k, fmt(median(v))])));
