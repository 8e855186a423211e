// Routes (issue 15): tools/call of server-everything's `echo` at C from a client of A, on each
// route, on loopback with real node processes (Node, noble crypto unless BENCH_NODE names another
// binary). A and C are peers; each route module (scripts/bench/routes/) adds the nodes it needs.
// Per route: p50/p99 latency of closed-loop calls at concurrency 1, CPU per call of A, of C and of
// each node between them (process CPU from /proc over the measured calls), and the bytes A sends and
// receives on its first hop per call (kernel socket counters). Rounds rotate the route order.
//
//   npm run bench:routes              ROUTES_CALLS (100), ROUTES_ROUNDS (3), ROUTES_WARMUP (30)
//   ROUTES=direct,forwarded,private,anonymous,anonymous-surb   the routes to run (all by default)
//   ROUTES_ROOT=<checkout>   runs the nodes from another checkout (a baseline, e.g. a worktree of main)
//   ROUTES_PROFILE=<dir>   also a V8 CPU profile of every node over each route's first round (the
//                          heaviest functions per call printed, the profiles kept in <dir>)
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { freePort, json, startEverything, type NodeProc } from "../../test/support/processes.ts";
import { closedLoop, connectClient, fmt, intEnv, machine, median, summarize, table } from "./lib.ts";
import { cpuMsOf, startBenchNode } from "./node-process.ts";
import { bytesDuring } from "./wire-bytes.ts";
import { profiledDuring } from "./route-profile.ts";
import { direct } from "./routes/direct.ts";
import { forwarded } from "./routes/forwarded.ts";
import { privateRoute } from "./routes/private.ts";
import { anonymous } from "./routes/anonymous.ts";
import { anonymousSurb } from "./routes/anonymous-surb.ts";
import type { BenchRoute, RouteNodes } from "./routes/route.ts";

const ALL: BenchRoute[] = [direct, forwarded, privateRoute, anonymous, anonymousSurb];
const chosen = process.env.ROUTES?.split(",").map((s) => s.trim());
const routes = chosen ? ALL.filter((r) => chosen.includes(r.name)) : ALL;
const CALLS = intEnv("ROUTES_CALLS", 100);
const ROUNDS = intEnv("ROUTES_ROUNDS", 3);
const WARMUP = intEnv("ROUTES_WARMUP", 30);
const BYTES_CALLS = 20;
const PROFILE_DIR = process.env.ROUTES_PROFILE;
const UNLIMITED_ROLES = "forward:1000000,relay:1000000,gateway:1000000,hop:1000000,exit:1000000";

const started: NodeProc[] = [];
const profileOut = new Map<NodeProc, string>();
async function start(name: string, env: Record<string, string> = {}): Promise<NodeProc> {
  const port = await freePort();
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
  const profiling: { nodeArgs: string[]; profileEnv: Record<string, string> } = PROFILE_DIR
    ? { nodeArgs: ["--import", pathToFileURL(join(import.meta.dirname, "cpu-profile-hook.mjs")).href], profileEnv: { BENCH_PROFILE_OUT: join(PROFILE_DIR, `${name}.cpuprofile`) } }
    : { nodeArgs: [], profileEnv: {} };
  const node = await startBenchNode({
    port,
    nodeArgs: profiling.nodeArgs,
    ...(process.env.ROUTES_ROOT ? { root: process.env.ROUTES_ROOT } : {}),
    ...(process.env.BENCH_NODE ? { node: process.env.BENCH_NODE } : {}),
    // The roles' and the tiers' limits are for strangers' traffic; a bench on a quiet machine passes them within a minute.
    // The gateway's answer floor is a chosen delay, not the route's cost: the issue asks for figures without one.
    env: { NODE_NAME: name, PUBLIC_URL: `http://127.0.0.1:${port}`, PEER_POLICY: "open", ROUTE_RATE_LIMITS: UNLIMITED_ROLES, TRUST_DAILY_QUOTAS: "off", GATEWAY_ANSWER_FLOOR_MS: "0", ...profiling.profileEnv, ...env },
  });
  started.push(node);
  if (PROFILE_DIR) profileOut.set(node, profiling.profileEnv.BENCH_PROFILE_OUT!);
  return node;
}

async function callEcho(client: Client, name: string, meta: Record<string, unknown>, i: number): Promise<void> {
  const msg = `bench-${i}`;
  const res = (await client.callTool({ name, arguments: { message: msg }, _meta: meta })) as { content?: { text?: string }[]; isError?: boolean; _meta?: Record<string, unknown> };
  if (res.isError || res.content?.[0]?.text !== `Echo: ${msg}`) throw new Error(`unexpected echo result: ${JSON.stringify(res)}`);
}

interface Measure {
  p50: number;
  p99: number;
  cpu: Record<string, number>;
}

async function main() {
  const nodeVersion = execFileSync(process.env.BENCH_NODE ?? process.execPath, ["--version"], { encoding: "utf8" }).trim();
  console.log(`# bench:routes\n\n${machine()}; the nodes on Node ${nodeVersion}; load ${loadavg().map((l) => l.toFixed(2)).join(" ")} at the start\n`);
  const everything = await startEverything();
  const nodes: RouteNodes = { a: await start("alpha"), c: await start("charlie"), extra: {} };
  try {
    expect201(await nodes.c.admin("POST", "/upstreams", { name: "edge", kind: "http", url: everything.url }));
    await json(await nodes.a.admin("POST", "/peers", { url: nodes.c.url }));
    for (const r of routes) await r.prepare(nodes, start);
    await json(await nodes.c.admin("POST", "/shares", { tool: "edge_echo", visibility: "public" }));
    const client = await connectClient(nodes.a.mcpUrl);
    const name = await toolName(client, nodes.c.nodeId);
    for (const r of routes) for (let i = 0; i < WARMUP; i++) await callEcho(client, name, r.meta, i);

    const results = new Map<string, Measure[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = routes.map((_, i) => routes[(i + round) % routes.length]!);
      for (const r of order) {
        const watched = { A: nodes.a, C: nodes.c, ...Object.fromEntries(r.hops(nodes).map((h, i) => [`hop ${i + 1}`, h])) };
        const before = Object.fromEntries(Object.entries(watched).map(([k, n]) => [k, cpuMsOf(n.child.pid!)]));
        const loop = () => closedLoop(CALLS, 1, (i) => callEcho(client, name, r.meta, i));
        const run = PROFILE_DIR && round === 0 ? await profiledDuring(watched, (n) => profileOut.get(n)!, CALLS, r.name, loop) : await loop();
        const cpu = Object.fromEntries(Object.entries(watched).map(([k, n]) => [k, (cpuMsOf(n.child.pid!) - before[k]!) / CALLS]));
        const s = summarize(run.samples, run.wallMs);
        results.set(r.name, [...(results.get(r.name) ?? []), { p50: s.p50, p99: s.p99, cpu }]);
      }
    }
    const bytes = new Map<string, { sent: number; received: number }>();
    for (const r of routes) {
      const first = [r.firstHop(nodes)].flat();
      const b = await bytesDuring(nodes.a.child.pid!, first.map((h) => h.port), async () => {
        for (let i = 0; i < BYTES_CALLS; i++) await callEcho(client, name, r.meta, i);
      });
      bytes.set(r.name, { sent: b.sent / BYTES_CALLS, received: b.received / BYTES_CALLS });
    }
    await client.close();

    const base = median((results.get(routes[0]!.name) ?? []).map((m) => m.p50));
    const rows = routes.map((r) => {
      const ms = results.get(r.name)!;
      const cpuOf = (k: string) => median(ms.map((m) => m.cpu[k] ?? NaN));
      const hops = Object.keys(ms[0]!.cpu).filter((k) => k.startsWith("hop"));
      const b = bytes.get(r.name)!;
      const p50 = median(ms.map((m) => m.p50));
      return [
        r.name,
        fmt(p50),
        fmt(median(ms.map((m) => m.p99))),
        r.name === routes[0]!.name ? "" : `+${fmt(p50 - base)}`,
        fmt(cpuOf("A")),
        hops.map((h) => fmt(cpuOf(h))).join(", ") || "-",
        fmt(cpuOf("C")),
        `${Math.round(b.sent)} / ${Math.round(b.received)}`,
      ];
    });
    console.log(`${CALLS} calls × ${ROUNDS} rounds per route at concurrency 1 (medians over rounds); CPU in ms per call; bytes per call on A's first hop\n`);
    console.log(table(["route", "p50 ms", "p99 ms", "added p50", "CPU A", "CPU per hop", "CPU C", "bytes sent / received by A"], rows));
    console.log(`\nload ${loadavg().map((l) => l.toFixed(2)).join(" ")} at the end`);
  } finally {
    await Promise.all([...started, everything].map((n) => n.stop()));
  }
}

function expect201(res: Response) {
  if (res.status !== 201) throw new Error(`HTTP ${res.status}`);
}

async function toolName(client: Client, origin: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const tool = (await client.listTools()).tools.find((t) => t._meta?.["mcpfed/id"] === `${origin}/edge/echo`);
    if (tool) return tool.name;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("C's echo never reached A's catalog");
}

await main();
