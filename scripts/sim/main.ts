// `npm run sim`: the gossip simulation and the repair benchmark, printed as markdown for
// docs/benchmarks.md. Same gossip code as the nodes, N nodes in one process.
//
//   npm run sim                    N = 100 and 1000, repair at 100,000 entries (several minutes)
//   npm run sim -- convergence     only the convergence runs
//   npm run sim -- repair          only the repair benchmark
//
// Knobs (environment): SIM_NODES (e.g. "100,1000"), SIM_TRIALS, SIM_SIGN=1 (Ed25519 on every
// entry; off by default for speed), SIM_BACKGROUND (entries held before the trials), SIM_FANOUTS
// (push-only runs, e.g. "3,4,6"), SIM_REPAIR_SIZE, SIM_REPAIR_K (e.g. "1,100,10000"), SIM_SEED.
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { ROOT } from "../../test/support/processes.ts";
import { machine, median } from "../bench/lib.ts";
import { runConvergence, type ConvergenceResult, type Scenario } from "./convergence.ts";
import { buildBase, runMillion, runRepair, type Layout, type RepairResult } from "./repair.ts";

const env = process.env;
const list = (v: string | undefined, d: number[]) => (v ? v.split(",").map(Number) : d);
const NODES = list(env.SIM_NODES, [100, 1000]);
const TRIALS = Number(env.SIM_TRIALS ?? 5);
const SIGN = env.SIM_SIGN === "1";
const BACKGROUND = Number(env.SIM_BACKGROUND ?? 100);
const REPAIR_SIZE = Number(env.SIM_REPAIR_SIZE ?? 100_000);
const REPAIR_K = list(env.SIM_REPAIR_K, [1, 100, 10_000]);
const SEED = Number(env.SIM_SEED ?? 1);
const FANOUTS = list(env.SIM_FANOUTS, [3, 4, 6]);
const parts = process.argv.slice(2);
const want = (p: string) => parts.length === 0 || parts.includes(p);

function cell(trials: ConvergenceResult["trials"], th: "50" | "99" | "99.9" | "100"): string {
  const got = trials.map((t) => t.rounds[th]);
  const done = got.filter((r): r is number => r !== undefined);
  if (done.length === 0) return "not reached";
  const text = `${median(done)} (max ${Math.max(...done)})`;
  return done.length < got.length ? `${text}; not reached in ${got.length - done.length} of ${got.length}` : text;
}

function kb(bytes: number): string {
  if (bytes < 10_000) return `${Math.round(bytes).toLocaleString("en-US")} B`;
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

function revision(): string {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  const dirty = git("status", "--porcelain", "--", "src", "scripts/sim") !== "";
  return `${git("rev-parse", "--short", "HEAD")}${dirty ? " (with uncommitted changes)" : ""}`;
}

const out: string[] = [];
out.push(
  `Run ${new Date().toISOString()} at ${revision()}; ${machine()}; load average ${loadavg()[0]!.toFixed(2)} at start; signing ${SIGN ? "Ed25519 on every entry" : "off (dummy signatures, accepted)"}.`,
);

if (want("convergence")) {
  const base = { trials: TRIALS, sign: SIGN, background: BACKGROUND, maxRounds: 60, steadyRounds: 20 };
  const failing = { down: 0.1, loss: 0.05 };
  out.push(
    "",
    "### Convergence: rounds until a new entry reaches the live nodes",
    "",
    `Random 6-regular graph, ${BACKGROUND} entries already held everywhere, ${TRIALS} trials per row (median, and max). A round is one tick of every live node and one hop for pushes. The denominator is the live nodes reachable from the origin; with at most 900 of them, 99.9% means all.`,
    "",
    "| N | live | mode | failures | 50% | 99% | 99.9% | 100% | goal: log₂N | sim time |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  const steady: ConvergenceResult[] = [];
  const pushes: [number, ConvergenceResult][] = [];
  for (const n of NODES) {
    const runs: [Scenario, { down: number; loss: number }, string][] = [
      ["push-pull", failing, "10% down, 5% lost"],
      ["push-pull", { down: 0, loss: 0 }, "none"],
      ["push + push-pull", failing, "10% down, 5% lost"],
    ];
    for (const [scenario, f, label] of runs) {
      console.error(`== convergence N=${n} ${scenario} (${label})`);
      const r = await runConvergence({ ...base, ...f, n, seed: SEED + n }, scenario);
      const goal = Math.log2(n);
      const all = r.trials.every((t) => t.rounds["100"] !== undefined);
      const met = all && median(r.trials.map((t) => t.rounds["100"]!)) <= goal ? "met" : "not met";
      out.push(`| ${n} | ${r.live} | ${scenario} | ${label} | ${cell(r.trials, "50")} | ${cell(r.trials, "99")} | ${cell(r.trials, "99.9")} | ${cell(r.trials, "100")} | ${goal.toFixed(1)}: ${met} | ${r.seconds.toFixed(0)} s |`);
      if (r.steady) steady.push(r);
    }
    for (const fanout of FANOUTS) {
      console.error(`== convergence N=${n} push, fanout ${fanout}`);
      pushes.push([fanout, await runConvergence({ ...base, ...failing, n, seed: SEED + n, fanout }, "push")]);
    }
  }
  out.push(
    "",
    "### Pushes alone: how far a change gets before any tick (10% down, 5% lost)",
    "",
    "Hops until 99% of the live nodes hold it, the share reached when pushes stop, and the bytes all nodes sent for the one change (entries here are ~450 bytes; composite signatures will add ~4.5 KB each).",
    "",
    "| N | fanout | hops to 99% | reached | bytes per change |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const [fanout, r] of pushes) {
    const coverage = median(r.trials.map((t) => t.coverage * 100));
    out.push(`| ${r.n} | ${fanout} | ${cell(r.trials, "99")} | ${coverage.toFixed(1)}% (median) | ${kb(median(r.trials.map((t) => t.bytes)))} |`);
  }
  out.push(
    "",
    "### Steady state (push + push-pull, 10% down, 5% lost)",
    "",
    "Traffic per round with no changes, measured over 20 rounds after 60 rounds of draining; then what one more change costs above that, in all, over the 60 rounds it takes to cross every link.",
    "",
    "| N | bytes per round | per live node | exchanges per round | reconciliations per round | bytes per change | per live node |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const r of steady) {
    const s = r.steady!;
    out.push(
      `| ${r.n} | ${kb(s.bytesPerRound)} | ${Math.round(s.bytesPerRound / r.live)} B | ${s.exchangesPerRound.toFixed(0)} | ${s.reconcilesPerRound.toFixed(1)} | ${kb(s.bytesPerChange)} | ${kb(s.bytesPerChange / r.live)} |`,
    );
  }
}

if (want("repair")) {
  console.error(`== repair: building ${REPAIR_SIZE} entries`);
  const base = await buildBase(REPAIR_SIZE, SEED);
  out.push(
    "",
    `### Repair: ${REPAIR_SIZE.toLocaleString("en-US")} entries, k differ`,
    "",
    "Bytes are JSON message bodies as the network carries them (reconciliation messages are base64url inside JSON). Goal: reconciliation + id requests ≤ 2 KB + 100 B × k, and ≤ 4 round trips in all for k = 1.",
    "",
    "| k | where | reconcile round trips | reconcile bytes | id requests | protocol total | goal | transfer round trips | transfer bytes (entries) | same state after |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  const results: RepairResult[] = [];
  for (const k of REPAIR_K) {
    for (const layout of ["recent", "scattered"] as Layout[]) {
      console.error(`== repair k=${k} ${layout}`);
      const r = await runRepair(base, k, layout, SEED + k);
      results.push(r);
      const protocol = r.reconcileBytes + r.wantBytes;
      const bound = 2048 + 100 * k;
      const trips = r.reconcileRoundTrips + r.transferRoundTrips;
      const goal = `${protocol <= bound ? "met" : "not met"} (≤ ${kb(bound)}${k === 1 ? `; ${trips} round trips${trips <= 4 ? "" : ", over 4"}` : ""})`;
      out.push(
        `| ${k.toLocaleString("en-US")} | ${layout} | ${r.reconcileRoundTrips} | ${kb(r.reconcileBytes)} | ${kb(r.wantBytes)} | ${kb(protocol)} | ${goal} | ${r.transferRoundTrips} | ${kb(r.transferBytes)} | ${r.converged ? "yes" : "NO"} |`,
      );
    }
  }
  console.error("== reconciliation of 1,000,000 items differing by one");
  const m = await runMillion(SEED);
  out.push("", `Reconciliation alone, 1,000,000 items differing by one (the Negentropy anchor): ${m.roundTrips} round trips, ${kb(m.bytes)}, ${m.found} difference found.`);
}

console.log(out.join("\n"));
process.exit(0);
