// Where the node's time goes on the proxied path: a V8 CPU profile of the node process over
// N proxied tools/call of `echo` (after warm-up), summarized by package and by function.
//
//   npx tsx scripts/bench/profile.ts          (PROFILE_CALLS=3000 PROFILE_CONCURRENCY=1 PROFILE_ERA=2025-11-25)
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { closedLoop, echo, fmt, intEnv, sleep, table, type Era } from "./lib.ts";
import { startRig } from "./proxy.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The bucket a frame's own time goes to. Frames without a script (builtins) go to their caller's. */
export function bucketOf(url: string, fn: string): string | undefined {
  if (fn === "(idle)") return "(idle)";
  if (fn === "(garbage collector)") return "GC";
  if (fn === "(program)") return "(program: native, unattributed)";
  if (!url && /^write(v|Buffer|Utf8String|Latin1String)$/.test(fn)) return "socket writes (syscalls; includes time descheduled)";
  if (!url) return undefined;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1]!;
  if (url.includes("/src/")) return `mcpfed ${url.slice(url.indexOf("/src/") + 1)}`;
  if (url.startsWith("node:internal/deps/undici")) return "undici (fetch, in Node)";
  if (url.startsWith("node:")) return "Node internals (http, streams, timers…)";
  return url;
}

/** Self time by bucket, and inclusive time of the functions a question names, both in µs. */
export function analyze(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const watched: [string, (fn: string, url: string) => boolean][] = [
    ["POST /mcp handler (sync part)", (fn, url) => url.endsWith("src/http/mcp/endpoint.ts") && fn === ""],
    ["buildServer (new SDK Server + handlers)", (fn, url) => fn === "buildServer" && url.endsWith("src/http/mcp/server.ts")],
    ["SDK Server/Protocol.connect", (fn, url) => fn === "connect" && url.includes("sdk/dist/esm/shared/protocol.js")],
    ["SDK server transport handleRequest/handlePostRequest", (fn, url) => /handle(Post)?Request/.test(fn) && url.includes("webStandardStreamableHttp")],
    ["SDK Protocol._onrequest (dispatch)", (fn, url) => fn === "_onrequest" && url.includes("shared/protocol.js")],
    ["findCallable (catalog lookup)", (fn) => fn === "findCallable"],
    ["appendInvocation (invocation log insert)", (fn) => fn === "appendInvocation"],
    ["drizzle-orm (query building, mapping)", (_fn, url) => url.includes("node_modules/drizzle-orm/")],
    ["libSQL client + engine", (_fn, url) => url.includes("node_modules/@libsql/") || url.includes("node_modules/libsql/")],
    ["zod (schema parsing)", (_fn, url) => url.includes("node_modules/zod/")],
    ["JSON.parse", (fn, url) => fn === "parse" && url === ""],
    ["JSON.stringify", (fn, url) => fn === "stringify" && url === ""],
    ["SDK client callTool/request (upstream session)", (fn, url) => (fn === "callTool" || fn === "request") && url.includes("sdk/dist/esm/")],
    ["SDK client transport send (fetch to upstream)", (fn, url) => fn === "send" && url.includes("client/streamableHttp.js")],
    ["undici fetch", (_fn, url) => url.startsWith("node:internal/deps/undici")],
    ["hono", (_fn, url) => url.includes("node_modules/hono/")],
    ["@hono/node-server (Node req/res ↔ Request/Response)", (_fn, url) => url.includes("node_modules/@hono/node-server/")],
    ["process warnings (MaxListenersExceeded)", (fn) => fn === "emitWarning" || fn === "onWarning"],
  ];
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    let id: number | undefined = profile.samples[i]!;
    let bucket: string | undefined;
    const hit = new Set<string>();
    while (id !== undefined) {
      const { functionName: fn, url } = byId.get(id)!.callFrame;
      bucket ??= bucketOf(url, fn);
      for (const [label, test] of watched) if (test(fn, url)) hit.add(label);
      id = parent.get(id);
    }
    bucket ??= "(root)";
    self.set(bucket, (self.get(bucket) ?? 0) + dt);
    for (const label of hit) inclusive.set(label, (inclusive.get(label) ?? 0) + dt);
  }
  return { totalUs: total, self, inclusive };
}

export async function runProfile(
  calls = intEnv("PROFILE_CALLS", 3000),
  concurrency = intEnv("PROFILE_CONCURRENCY", 1),
  era: Era = (process.env.PROFILE_ERA as Era | undefined) ?? "2025-11-25",
) {
  const dir = mkdtempSync(join(tmpdir(), "mcpfed-prof-"));
  const out = join(dir, "node.cpuprofile");
  const hook = join(import.meta.dirname, "cpu-profile-hook.mjs");
  const rig = await startRig({ nodeArgs: ["--import", pathToFileURL(hook).href], env: { BENCH_PROFILE_OUT: out }, era });
  try {
    const call = (i: number) => echo(rig.proxied, rig.proxiedName, i);
    await closedLoop(500, 1, call);
    await closedLoop(500, 16, call);
    rig.node.child.kill("SIGUSR2");
    await sleep(300);
    const { wallMs } = await closedLoop(calls, concurrency, call);
    rig.node.child.kill("SIGUSR2");
    for (let i = 0; i < 100 && !existsSync(out); i++) await sleep(100);
    await sleep(200);
    const profile = JSON.parse(readFileSync(out, "utf8")) as CpuProfile;
    const res = analyze(profile);
    const idle = res.self.get("(idle)") ?? 0;
    const busy = res.totalUs - idle;
    const perCall = (us: number) => us / calls;
    const selfRows = [...res.self.entries()]
      .filter(([k]) => k !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, 14)
      .map(([k, us]) => [k, fmt(perCall(us), 0), `${fmt((us / busy) * 100, 1)}%`]);
    const inclRows = [...res.inclusive.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, us]) => [k, fmt(perCall(us), 0), `${fmt((us / busy) * 100, 1)}%`]);
    const markdown = [
      `${era}: ${calls} proxied calls at concurrency ${concurrency} in ${fmt(wallMs / 1000, 1)} s; node busy (not idle) ${fmt(perCall(busy), 0)} µs per call, ` +
        `${fmt((busy / 1000 / wallMs) * 100, 0)}% of one core.`,
      "",
      "Self time by package (builtins such as JSON.parse count toward their caller):",
      "",
      table(["where", "µs per call", "share of busy"], selfRows),
      "",
      "Inclusive time of selected code (synchronous stacks only: time after an `await` belongs to whatever resumes it):",
      "",
      table(["what", "µs per call", "share of busy"], inclRows),
    ].join("\n");
    return { markdown, profilePath: out };
  } finally {
    await rig.stop();
    if (!process.env.KEEP_PROFILE) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { markdown, profilePath } = await runProfile();
  console.log(markdown);
  if (process.env.KEEP_PROFILE) console.error(`profile kept at ${profilePath}`);
  process.exit(0);
}
