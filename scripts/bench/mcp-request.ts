// What one /mcp request costs the node: its process CPU (user + system, all threads, from /proc)
// per request over a closed loop at concurrency 1, for search_tools and for a proxied tools/call
// at a small catalog (the many-tools upstream), in the ways clients reach the node: the SDK v1
// client (2025-11-25, on a session, as the catalog bench), the SDK v2 client pinned to 2026-07-28,
// and bare POSTs with no session (2025-11-25 stateless). With BASELINE_ROOT, a node run from that
// checkout answers the same requests, interleaved in rounds, for the ratio. With STATEMENTS=1 the
// statements this node runs per request are counted (statement-count-hook.mjs). REQUEST_CASES
// keeps the cases whose "client · request" name holds one of its comma-separated parts.
//
//   npm run bench:mcp-request   (REQUEST_TOOLS=1000 REQUEST_CALLS=600 REQUEST_ROUNDS=3 BASELINE_ROOT= STATEMENTS= REQUEST_CASES=)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort, start, waitFor, type NodeProc } from "../../test/support/processes.ts";
import { closedLoop, connectClient, connectEraClient, fmt, intEnv, median, percentile, sleep, table } from "./lib.ts";
import { cpuMsOf, startBenchNode } from "./node-process.ts";

interface Caller {
  call(name: string, args: Record<string, unknown>): Promise<{ isError?: boolean; structuredContent?: unknown }>;
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

/** A JSON-RPC tools/call POSTed with no session and no envelope: served statelessly as 2025-11-25. */
function barePoster(url: string): Caller {
  let id = 0;
  const post = async (method: string, params: Record<string, unknown>) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = (await res.json()) as { result?: { isError?: boolean; structuredContent?: unknown }; error?: unknown };
    if (!body.result) throw new Error(`bare ${method} failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    return body.result;
  };
  return {
    call: (name, args) => post("tools/call", { name, arguments: args }),
    ping: () => post("ping", {}),
    close: async () => {},
  };
}

const CLIENTS: Record<string, (url: string) => Promise<Caller>> = {
  "SDK v1, 2025-11-25 session": async (url) => {
    const c = await connectClient(url);
    return { call: (name, args) => c.callTool({ name, arguments: args }) as never, ping: () => c.ping(), close: () => c.close() };
  },
  "SDK v2, 2026-07-28": async (url) => {
    const c = await connectEraClient(url, "2026-07-28");
    // This era has no ping: server/discover is its cheapest request.
    return { call: (name, args) => c.callTool({ name, arguments: args }) as never, ping: () => c.discover(), close: () => c.close() };
  },
  "bare POST, 2025-11-25 stateless": async (url) => barePoster(url),
};

interface Case {
  client: string;
  op: string;
}

/** A tool call by name and arguments; null: a JSON-RPC ping (server/discover in 2026-07-28), the floor of the /mcp path. */
const OPS = (toolName: string): Record<string, [string, Record<string, unknown>] | null> => ({
  ping: null,
  "search_tools \"user\"": ["search_tools", { query: "user" }],
  "search_tools \"xyzzy frobnicate\"": ["search_tools", { query: "xyzzy frobnicate" }],
  "tools/call (proxied)": [toolName, {}],
});

async function importMany(node: NodeProc, port: number) {
  const res = await node.admin("POST", "/upstreams", { name: "many", kind: "http", url: `http://127.0.0.1:${port}/mcp` });
  if (res.status !== 201) throw new Error(`import failed: ${res.status} ${await res.text()}`);
}

export async function runMcpRequestBench(
  tools = intEnv("REQUEST_TOOLS", 1000),
  calls = intEnv("REQUEST_CALLS", 600),
  rounds = intEnv("REQUEST_ROUNDS", 3),
  baselineRoot = process.env.BASELINE_ROOT,
  statements = process.env.STATEMENTS === "1",
) {
  const load0 = loadavg()[0]!;
  const port = await freePort();
  const upstream = start(process.execPath, ["--import", "tsx", join(import.meta.dirname, "many-tools-server.ts")], { TOOLS: String(tools), PORT: String(port) });
  const dir = mkdtempSync(join(tmpdir(), "mcpfed-mcpreq-"));
  const hook = (name: string) => pathToFileURL(join(import.meta.dirname, name)).href;
  const sqlFile = join(dir, "this.sql");
  const nodes: { node: NodeProc }[] = [
    { node: await startBenchNode({ nodeArgs: statements ? ["--import", hook("statement-count-hook.mjs")] : [], env: { BENCH_SQL_DIR: dir, NODE_NAME: "this" } }) },
  ];
  if (baselineRoot) nodes.push({ node: await startBenchNode({ root: baselineRoot }) });
  try {
    await waitFor(async () => upstream.output().includes("many-tools:"), "many-tools server", upstream);
    for (const { node } of nodes) await importMany(node, port);
    // A tool of the upstream by searching, not listing: a listing of 10,000 tools is not what is measured.
    const probe = await connectClient(nodes[0]!.node.mcpUrl);
    const found = await probe.callTool({ name: "search_tools", arguments: { query: "user" } });
    await probe.close();
    const toolName = (found.structuredContent as { results: { name: string; upstream: string }[] }).results.find((t) => t.upstream === "many")?.name;
    if (!toolName) throw new Error("no tool of the many-tools upstream listed");
    const ops = OPS(toolName);
    const only = process.env.REQUEST_CASES;
    const cases: Case[] = Object.keys(CLIENTS)
      .flatMap((client) => Object.keys(ops).map((op) => ({ client, op })))
      .filter((c) => !only || only.split(",").some((w) => `${c.client} · ${c.op}`.includes(w)));
    if (cases.length === 0) throw new Error(`REQUEST_CASES="${only}" names no case`);
    const callers = await Promise.all(nodes.map(async ({ node }) => Object.fromEntries(await Promise.all(Object.entries(CLIENTS).map(async ([k, make]) => [k, await make(node.mcpUrl)] as const)))));
    const cpu = nodes.map(() => new Map<string, number[]>());
    const lat = nodes.map(() => new Map<string, number[]>());
    const key = (c: Case) => `${c.client} · ${c.op}`;
    const pass = async (k: number, c: Case, n: number, keep: boolean) => {
      const op = ops[c.op] ?? null;
      const caller = callers[k]![c.client]!;
      const pid = nodes[k]!.node.child.pid!;
      const before = cpuMsOf(pid);
      const { samples } = await closedLoop(n, 1, async () => {
        if (!op) return void (await caller.ping());
        const r = await caller.call(...op);
        if (r.isError) throw new Error(`${key(c)} failed: ${JSON.stringify(r).slice(0, 300)}`);
      });
      const used = cpuMsOf(pid) - before;
      if (!keep) return;
      cpu[k]!.set(key(c), [...(cpu[k]!.get(key(c)) ?? []), used / n]);
      lat[k]!.set(key(c), [...(lat[k]!.get(key(c)) ?? []), ...samples]);
    };
    for (const c of cases) for (const k of nodes.keys()) await pass(k, c, 200, false); // warm-up
    for (let r = 0; r < rounds; r++) {
      // Rounds alternate which node goes first; cases run in turn on each node.
      for (const c of cases) for (const k of r % 2 ? [...nodes.keys()].reverse() : nodes.keys()) await pass(k, c, calls, true);
    }
    let sqlMd = "";
    if (statements) {
      // What each case runs against the store, over 20 requests: statements deferred past the answer included.
      const sections: string[] = [];
      for (const c of cases) {
        writeFileSync(sqlFile, "");
        await pass(0, c, 20, false);
        await sleep(500);
        const lines = readFileSync(sqlFile, "utf8").split("\n").filter(Boolean);
        rmSync(sqlFile, { force: true });
        const counts = new Map<string, number>();
        for (const l of lines) counts.set(l.slice(0, 160), (counts.get(l.slice(0, 160)) ?? 0) + 1);
        sections.push(`**${key(c)}**: ${fmt(lines.filter((l) => !l.startsWith("\t")).length / 20, 1)} store rounds per request`, "", table(["statement", "per request"], [...counts].map(([l, n]) => [`\`${l.replace(/\|/g, "\\|")}\``, fmt(n / 20, 2)])), "");
      }
      sqlMd = sections.join("\n");
    }
    for (const callerSet of callers) for (const c of Object.values(callerSet)) await c.close();
    const rows = cases.map((c) => {
      const cell = (k: number) => {
        const l = [...lat[k]!.get(key(c))!].sort((a, b) => a - b);
        return { cpu: median(cpu[k]!.get(key(c))!), p50: percentile(l, 50), p99: percentile(l, 99) };
      };
      const mine = cell(0);
      const base = nodes[1] ? cell(1) : undefined;
      const vs = (now: number, then: number | undefined) => (then === undefined ? fmt(now) : `${fmt(now)} (${fmt(then)}, ×${fmt(then / now, 2)})`);
      return [c.client, c.op, vs(mine.cpu, base?.cpu), vs(mine.p50, base?.p50), vs(mine.p99, base?.p99)];
    });
    const markdown = [
      `${tools} tools; ${rounds} rounds of ${calls} requests per case at concurrency 1; load average ${fmt(load0)} at start, ${fmt(loadavg()[0]!)} at end. ` +
        `Node CPU is the median over rounds of the node process's CPU per request${baselineRoot ? "; in parentheses the baseline node's and how many times this one is cheaper/faster" : ""}.`,
      "",
      table(["client", "request", "node CPU ms per request", "p50 ms", "p99 ms"], rows),
      "",
      sqlMd,
    ].join("\n");
    return { markdown };
  } finally {
    await Promise.allSettled([upstream.stop(), ...nodes.map(({ node }) => node.stop())]);
    for (const { node } of nodes) rmSync(node.dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { markdown } = await runMcpRequestBench();
  console.log(markdown);
  process.exit(0);
}
