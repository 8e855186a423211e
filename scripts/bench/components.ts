// What one proxied tools/call costs the node, piece by piece: the node's own modules run in this
// process (the same code src/runtimes/node.ts serves, minus the HTTP listener) against a real
// server-everything and an embedded libSQL file, and each piece is timed on its own. CPU time is
// this process's user + system time, so it excludes waiting on the upstream.
//
//   npx tsx scripts/bench/components.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Hono } from "hono";
import { createApp } from "../../src/http/app.ts";
import { ANONYMOUS } from "../../src/node/access/principals/principal.ts";
import { invocations } from "../../src/store/schema/index.ts";
import { findCallable } from "../../src/store/catalog.ts";
import { buildServer } from "../../src/http/mcp/server.ts";
import { startLocal } from "../../src/runtimes/local.ts";
import { openTarget } from "../../src/store/sealed-fields.ts";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startEverything } from "../../test/support/processes.ts";
import { cpuMsOf, startBenchNode } from "./node-process.ts";
import { connectClient, fmt, intEnv, table } from "./lib.ts";

interface Cost {
  what: string;
  /** Mean wall-clock µs per operation. */
  wallUs: number;
  /** Mean CPU µs of this process per operation. */
  cpuUs: number;
}

async function measure(what: string, n: number, op: (i: number) => Promise<unknown>): Promise<Cost> {
  for (let i = 0; i < Math.min(500, n); i++) await op(i); // warm-up
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { what, wallUs: (wall * 1000) / n, cpuUs: (cpu.user + cpu.system) / n };
}

const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream", host: "localhost" };
const rpc = (id: number, method: string, params?: unknown) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });

export async function runComponents(n = intEnv("COMPONENT_OPS", 3000)) {
  const upstream = await startEverything();
  const dataDir = mkdtempSync(join(tmpdir(), "mcpfed-components-"));
  // startLocal announces the secrets it generates on stdout, which would land in the report.
  const print = console.log;
  console.log = () => {};
  const local = await startLocal({ DATA_DIR: dataDir, ADMIN_TOKEN: "bench-admin-token-0123456789", PORT: "8787" }).finally(
    () => (console.log = print),
  );
  const node = await createApp({ config: local.config, db: local.db });
  const { app, services: s } = node;
  try {
    const reg = await app.request("/admin/upstreams", {
      method: "POST",
      headers: { authorization: "Bearer bench-admin-token-0123456789", "content-type": "application/json" },
      body: JSON.stringify({ name: "everything", kind: "http", url: upstream.url }),
    });
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);
    const found = await findCallable(s.db, { shortName: "everything_echo" });
    if (!found) throw new Error("everything_echo is not in the catalog");
    const caller = { id: "anonymous", principal: ANONYMOUS, defer: s.defer };

    const costs: Cost[] = [];
    const bare = new Hono().post("/mcp", (c) => c.json({ ok: true }));
    costs.push(await measure("Hono routing alone: a bare app answering POST /mcp", n, async () => bare.request("/mcp", { method: "POST", body: "{}" })));
    costs.push(
      await measure("node app: GET /healthz (global middleware incl. executionCtx probe)", n, async () => app.request("/healthz", { headers: { host: "localhost" } })),
    );
    costs.push(
      await measure("per-request SDK Server: buildServer + connect + close", n, async () => {
        const server = buildServer(s, caller);
        await server.connect(new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true }));
        await server.close();
      }),
    );
    costs.push(
      await measure("node app: POST /mcp ping (guards, body, SDK server, JSON answer)", n, async (i) => {
        const res = await app.request("/mcp", { method: "POST", headers: mcpHeaders, body: rpc(i, "ping") });
        await res.text();
      }),
    );
    costs.push(await measure("findCallable (catalog lookup, drizzle + libSQL)", n, () => findCallable(s.db, { shortName: "everything_echo" })));
    costs.push(
      await measure("one invocation-log row inserted alone (the log batches them)", n, (i) =>
        s.db.insert(invocations).values({
          at: Date.now(),
          caller: "anonymous",
          toolId: found.globalId,
          toolName: "everything_echo",
          upstream: "everything",
          durationMs: i % 7,
          outcome: "ok",
          error: null,
          arguments: null,
        }),
      ),
    );
    const target = await openTarget(s.secrets, { ...found, name: found.upstream });
    costs.push(
      await measure("upstream call through the pooled SDK client (node's side only)", n, (i) =>
        s.pool.use(target, (c) => c.callTool({ name: "echo", arguments: { message: `m${i}` } })),
      ),
    );
    // The same call on a client whose fetch does not carry the transport's session-wide signal,
    // on which undici otherwise leaves one abort listener per request until GC.
    const lean = await connectClient(upstream.url);
    costs.push(
      await measure("same upstream call, fetch without the session-wide AbortSignal", n, (i) =>
        lean.callTool({ name: "echo", arguments: { message: `m${i}` } }),
      ),
    );
    await lean.close();
    // A fix that keeps close() able to abort: each POST gets its own signal that follows the
    // session's (AbortSignal.any holds its sources weakly instead of adding a listener to them).
    const followFetch: typeof fetch = (input, init) =>
      fetch(input, init?.signal && init.method === "POST" ? { ...init, signal: AbortSignal.any([init.signal]) } : init);
    const follow = new Client({ name: "mcpfed-bench", version: "0.0.0" });
    await follow.connect(new StreamableHTTPClientTransport(new URL(upstream.url), { fetch: followFetch }));
    costs.push(
      await measure("same upstream call, each POST on AbortSignal.any([session signal])", n, (i) =>
        follow.callTool({ name: "echo", arguments: { message: `m${i}` } }),
      ),
    );
    await follow.close();
    costs.push(
      await measure("node app: POST /mcp tools/call, end to end without the HTTP listener", n, async (i) => {
        const res = await app.request("/mcp", {
          method: "POST",
          headers: mcpHeaders,
          body: rpc(i, "tools/call", { name: "everything_echo", arguments: { message: `m${i}` } }),
        });
        const text = await res.text();
        if (!text.includes(`Echo: m${i}`)) throw new Error(`unexpected answer: ${text}`);
      }),
    );
    // The same node as a process behind its HTTP listener: its CPU per ping, from /proc.
    const proc = await startBenchNode();
    try {
      const ping = async (i: number) => {
        const res = await fetch(proc.mcpUrl, { method: "POST", headers: mcpHeaders, body: rpc(i, "ping") });
        await res.text();
      };
      for (let i = 0; i < 500; i++) await ping(i);
      const cpu0 = cpuMsOf(proc.child.pid!);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await ping(i);
      costs.push({
        what: "node process: POST /mcp ping over HTTP (node's CPU from /proc; wall is the client's round trip)",
        cpuUs: ((cpuMsOf(proc.child.pid!) - cpu0) * 1000) / n,
        wallUs: ((performance.now() - t0) * 1000) / n,
      });
    } finally {
      await proc.stop();
      rmSync(proc.dataDir, { recursive: true, force: true });
    }
    const markdown = [
      `${n} operations each, after ${Math.min(500, n)} warm-up, one at a time, in one process (wall time includes the upstream's answer where there is one).`,
      "",
      table(
        ["piece", "CPU µs/op", "wall µs/op"],
        costs.map((c) => [c.what, fmt(c.cpuUs, 0), fmt(c.wallUs, 0)]),
      ),
    ].join("\n");
    return { costs, markdown };
  } finally {
    await node.close();
    local.client.close();
    await upstream.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { markdown } = await runComponents();
  console.log(markdown);
  process.exit(0);
}
