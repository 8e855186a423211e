// CPU profiles of the nodes on a route over one closed loop of calls (bench:routes with
// ROUTES_PROFILE): each node's V8 profiler (cpu-profile-hook.mjs) runs only across the loop, and
// each node's heaviest functions by self time are printed per call, so a hop's CPU can be traced
// to what it runs.
import { existsSync, renameSync, readFileSync, statSync } from "node:fs";
import type { NodeProc } from "../../test/support/processes.ts";
import { fmt, sleep, table } from "./lib.ts";
import { bucketOf, type CpuProfile } from "./profile.ts";

const TOP = 25;

/** Self time per function (name, file and line) and per package, µs, idle and the hook's own serialization left out. */
function selfTime(profile: CpuProfile): { busyUs: number; rows: [string, number][]; packages: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const packages = new Map<string, number>();
  let busyUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    let id: number | undefined = profile.samples[i]!;
    const leaf = byId.get(id)!.callFrame;
    if (leaf.functionName === "(idle)") continue;
    let label: string | undefined;
    let bucket: string | undefined;
    let hook = false;
    for (; id !== undefined; id = parent.get(id)) {
      const { functionName: fn, url, lineNumber } = byId.get(id)!.callFrame;
      if (url.endsWith("cpu-profile-hook.mjs")) hook = true;
      bucket ??= bucketOf(url, fn);
      // Builtins count toward themselves, under the first caller that has a script.
      if (label === undefined && url) label = `${leaf.url ? "" : `${leaf.functionName || "(anonymous)"} in `}${fn || "(anonymous)"} ${url.replace(/^.*\/(node_modules|src)\//, "$1/")}:${lineNumber + 1}`;
    }
    if (hook) continue;
    label ??= leaf.functionName;
    busyUs += dt;
    self.set(label, (self.get(label) ?? 0) + dt);
    packages.set(bucket ?? "(root)", (packages.get(bucket ?? "(root)") ?? 0) + dt);
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { busyUs, rows: sorted(self), packages: sorted(packages) };
}

/** Runs `loop` with every node in `nodes` profiled, prints each node's heaviest functions per call. */
export async function profiledDuring<T>(nodes: Record<string, NodeProc>, outOf: (n: NodeProc) => string, calls: number, route: string, loop: () => Promise<T>): Promise<T> {
  for (const n of Object.values(nodes)) n.child.kill("SIGUSR2");
  await sleep(300);
  const started = Date.now();
  const result = await loop();
  for (const n of Object.values(nodes)) n.child.kill("SIGUSR2");
  for (const [key, n] of Object.entries(nodes)) {
    const out = outOf(n);
    for (let i = 0; i < 100 && !(existsSync(out) && statSync(out).mtimeMs >= started); i++) await sleep(100);
    await sleep(200);
    const kept = out.replace(/\.cpuprofile$/, `.${route}.cpuprofile`);
    renameSync(out, kept);
    const { busyUs, rows, packages } = selfTime(JSON.parse(readFileSync(kept, "utf8")) as CpuProfile);
    const lines = (r: [string, number][]) => r.slice(0, TOP).map(([k, us]) => [k.replaceAll("|", "\\|"), fmt(us / calls, 0), `${fmt((us / busyUs) * 100, 1)}%`]);
    console.log(`\n${route}, ${key}: busy ${fmt(busyUs / calls / 1000)} ms per call under the profiler (profile ${kept})\n`);
    console.log(table(["package (self)", "µs per call", "share"], lines(packages)));
    console.log();
    console.log(table(["function (self)", "µs per call", "share"], lines(rows)));
  }
  return result;
}
