// Where the provider's (B's) CPU goes on a channel call, function by function: bench:relay's rig,
// warm-up, B's CPU per channel call from /proc over sequential calls, then a V8 CPU profile of B
// over as many more, summarized as self time by function and inclusive time of mcpfed's own
// functions (synchronous stacks only: time after an `await` belongs to whatever resumes it).
//
//   npx tsx scripts/bench/relay-provider-profile.ts     (PROVIDER_PROFILE_PATH=noble|native, PROVIDER_PROFILE_CALLS=300,
//                                                        PROVIDER_PROFILE_KEEP=<file> keeps B's profile)
import { copyFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { closedLoop, echo, fmt, intEnv, machine, sleep, table } from "./lib.ts";
import { cpuMsOf } from "./node-process.ts";
import { bucketOf, type CpuProfile } from "./profile.ts";
import { RUNTIMES, startRelayRig } from "./relay.ts";

const path = (process.env.PROVIDER_PROFILE_PATH ?? "noble") as keyof typeof RUNTIMES;
const calls = intEnv("PROVIDER_PROFILE_CALLS", 300);
const top = intEnv("PROVIDER_PROFILE_TOP", 30);

function frameName(fn: string, url: string, line: number, column = 0): string {
  const at = url.includes("/src/") ? url.slice(url.indexOf("/src/") + 1) : url.includes("node_modules/") ? url.slice(url.lastIndexOf("node_modules/") + 13) : url || "(builtin)";
  return `${fn || "(anonymous)"} ${at}:${line + 1}:${column + 1}`;
}

function summarize(profile: CpuProfile, n: number) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of profile.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  // Each sample's time to the innermost mcpfed function on its stack: what that function costs with the libraries it calls synchronously.
  const nearest = new Map<string, number>();
  const packages = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const leaf = byId.get(profile.samples[i]!)!;
    if (leaf.callFrame.functionName === "(idle)") continue;
    busy += dt;
    const { functionName, url, lineNumber } = leaf.callFrame;
    const name = frameName(functionName, url, lineNumber, leaf.callFrame.columnNumber);
    self.set(name, (self.get(name) ?? 0) + dt);
    let bucket: string | undefined;
    for (let id: number | undefined = leaf.id; id !== undefined && bucket === undefined; id = parent.get(id)) bucket = bucketOf(byId.get(id)!.callFrame.url, byId.get(id)!.callFrame.functionName);
    packages.set(bucket ?? "(root)", (packages.get(bucket ?? "(root)") ?? 0) + dt);
    const seen = new Set<string>();
    let owner: string | undefined;
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (!f.url.includes("/src/")) continue;
      const k = frameName(f.functionName, f.url, f.lineNumber, f.columnNumber);
      owner ??= k;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
    const o = owner ?? "(no mcpfed frame: I/O, timers, GC, library callbacks)";
    nearest.set(o, (nearest.get(o) ?? 0) + dt);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([k, us]) => [k, fmt(us / n, 0)]);
  return { busyUsPerCall: busy / n, self: rows(self), inclusive: rows(inclusive), nearest: rows(nearest), packages: rows(packages) };
}

const rig = await startRelayRig(RUNTIMES[path].node);
try {
  const call = (i: number) => echo(rig.clients.channel, rig.names.channel, i);
  const load0 = loadavg()[0]!;
  await closedLoop(100, 1, call);
  const b0 = cpuMsOf(rig.b.child.pid!);
  const a0 = cpuMsOf(rig.a.child.pid!);
  const { samples } = await closedLoop(calls, 1, call);
  const bCpu = (cpuMsOf(rig.b.child.pid!) - b0) / calls;
  const aCpu = (cpuMsOf(rig.a.child.pid!) - a0) / calls;
  rmSync(rig.profiles.b, { force: true });
  rig.b.child.kill("SIGUSR2");
  await sleep(300);
  await closedLoop(calls, 1, call);
  rig.b.child.kill("SIGUSR2");
  for (let i = 0; i < 100 && !existsSync(rig.profiles.b); i++) await sleep(100);
  await sleep(300);
  if (process.env.PROVIDER_PROFILE_KEEP) copyFileSync(rig.profiles.b, process.env.PROVIDER_PROFILE_KEEP);
  const s = summarize(JSON.parse(readFileSync(rig.profiles.b, "utf8")) as CpuProfile, calls);
  const sorted = [...samples].sort((x, y) => x - y);
  console.log(`${machine()}; ${path} path; ${calls} channel calls at c=1; load ${fmt(load0)} → ${fmt(loadavg()[0]!)}`);
  console.log(`channel p50 ${fmt(sorted[Math.floor(sorted.length / 2)]!)} ms; B CPU ${fmt(bCpu)} ms per call, A CPU ${fmt(aCpu)} ms; B main thread busy (profile) ${fmt(s.busyUsPerCall / 1000)} ms per call\n`);
  console.log("Self time by package or file (builtins count toward their caller), µs per call:\n");
  console.log(table(["where", "µs"], s.packages));
  console.log("\nSelf time, µs per call:\n");
  console.log(table(["function", "µs"], s.self));
  console.log("\nBy the innermost mcpfed function on the stack (its libraries' synchronous work included), µs per call:\n");
  console.log(table(["function", "µs"], s.nearest));
  console.log("\nInclusive, mcpfed functions, µs per call:\n");
  console.log(table(["function", "µs"], s.inclusive));
} finally {
  await rig.stop();
}
