// What one proxied tools/call costs in CPU, without the HTTP listener in front: the node's app
// (src/http/app.ts over an embedded libSQL file, as src/runtimes/node.ts serves it) against a bare
// SDK v2 proxy handler, both calling the SDK v2 echo upstream (another process) over loopback, in
// each era, one call at a time in this process. The pieces the node adds are timed on their own.
// CPU is this process's user + system time, so the upstream's share is left out; the client side
// of the loopback HTTP hop to the upstream is in every row that calls it.
//
//   npx tsx scripts/bench/handler-cost.ts          (HANDLER_OPS=2000, BENCH_ERAS=2026-07-28 for one era)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createMcpHandler, McpServer, type CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import { createApp } from "../../src/http/app.ts";
import { buildServer } from "../../src/http/mcp/server.ts";
import { ANONYMOUS } from "../../src/node/access/principals/principal.ts";
import { findCallable } from "../../src/store/catalog.ts";
import { openTarget } from "../../src/store/sealed-fields.ts";
import { startLocal } from "../../src/runtimes/local.ts";
import { outboundFetch } from "../../src/runtimes/node-outbound.ts";
import { freePort, ROOT, start, waitFor } from "../../test/support/processes.ts";
import { fmt, intEnv, median, table, type Era } from "./lib.ts";

interface Cost {
  what: string;
  /** Median over rounds of the mean CPU µs of this process per operation. */
  cpuUs: number;
  wallUs: number;
}

async function measure(what: string, n: number, op: (i: number) => Promise<unknown>, rounds = 3): Promise<Cost> {
  for (let i = 0; i < Math.min(300, n); i++) await op(i);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await op(i);
    wall.push(((performance.now() - t0) * 1000) / n);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / n);
  }
  return { what, cpuUs: median(cpu), wallUs: median(wall) };
}

const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "mcpfed-bench", version: "0.0.0" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

/** A tools/call of `name` as a client of `era` sends it over HTTP (no session: both eras stateless). */
function toolCall(url: string, era: Era, name: string, i: number): Request {
  const modern = era === "2026-07-28";
  const params = { name, arguments: { message: `m${i}` }, ...(modern ? { _meta: ENVELOPE } : {}) };
  return new Request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": era,
      ...(modern ? { "mcp-method": "tools/call", "mcp-name": name } : {}),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: i, method: "tools/call", params }),
  });
}

async function expectEcho(res: Response, i: number): Promise<void> {
  const text = await res.text();
  if (!text.includes(`Echo: m${i}`)) throw new Error(`unexpected answer (${res.status}): ${text.slice(0, 300)}`);
}

/** The bare SDK v2 proxy of scripts/bench/bare-proxy-v2.ts, as a handler in this process. */
async function bareProxy(upstreamUrl: string) {
  const upstream = new Client({ name: "bench-bare-proxy", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
  await upstream.connect(new StreamableHTTPClientTransport(new URL(upstreamUrl)));
  const handler = createMcpHandler(
    () => {
      const server = new McpServer({ name: "bench-bare-proxy", version: "1.0.0" });
      server.registerTool("echo", { description: "echo", inputSchema: z.object({ message: z.string() }) }, async (args) =>
        (await upstream.callTool({ name: "echo", arguments: args })) as CallToolResult,
      );
      return server;
    },
    { legacy: "stateless" },
  );
  return { handler, upstream };
}

export async function runHandlerCost(n = intEnv("HANDLER_OPS", 2000)) {
  const port = await freePort();
  const echo = start(process.execPath, ["--import", "tsx", join(ROOT, "scripts/bench/echo-server-v2.ts")], { PORT: String(port) });
  const upstreamUrl = `http://127.0.0.1:${port}/mcp`;
  await waitFor(async () => (await fetch(upstreamUrl, { method: "GET" })).status > 0, "echo upstream", echo);
  const dataDir = mkdtempSync(join(tmpdir(), "mcpfed-handler-cost-"));
  // startLocal announces the secrets it generates on stdout, which would land in the report.
  const print = console.log;
  console.log = () => {};
  const local = await startLocal({ DATA_DIR: dataDir, ADMIN_TOKEN: "bench-admin-token-0123456789", PORT: "8787", ALLOW_PRIVATE_URLS: "1" }).finally(
    () => (console.log = print),
  );
  // The platform src/runtimes/node.ts gives, so that upstream calls go through the same fetch.
  const platform = { requestScopedIo: false, standingStreams: true, fetch: outboundFetch(local.config.allowPrivateUrls) };
  const { app, services: s, close } = await createApp({ config: local.config, db: local.db, platform });
  const bare = await bareProxy(upstreamUrl);
  try {
    const reg = await app.request("/admin/upstreams", {
      method: "POST",
      headers: { authorization: "Bearer bench-admin-token-0123456789", "content-type": "application/json" },
      body: JSON.stringify({ name: "bench", kind: "http", url: upstreamUrl }),
    });
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`);
    const found = await findCallable(s.db, { shortName: "bench_echo" });
    if (!found) throw new Error("bench_echo is not in the catalog");
    const target = await openTarget(s.secrets, { ...found, name: found.upstream });
    const caller = { id: "anonymous", principal: ANONYMOUS, defer: s.defer, origin: "http://localhost:8787" };
    const costs: Cost[] = [];
    for (const era of (process.env.BENCH_ERAS?.split(",") ?? ["2025-11-25", "2026-07-28"]) as Era[]) {
      costs.push(
        await measure(`${era}: node app, POST /mcp tools/call end to end`, n, async (i) =>
          expectEcho(await app.fetch(toolCall("http://localhost:8787/mcp", era, "bench_echo", i)), i),
        ),
      );
      costs.push(
        await measure(`${era}: bare SDK v2 proxy handler, same call`, n, async (i) =>
          expectEcho(await bare.handler.fetch(toolCall("http://localhost:8787/mcp", era, "echo", i)), i),
        ),
      );
    }
    costs.push(await measure("pieces: upstream call on the node's pooled SDK v2 client", n, (i) => s.pool.use(target, (c) => c.callTool({ name: "echo", arguments: { message: `m${i}` } }))));
    costs.push(await measure("pieces: upstream call on the bare proxy's SDK v2 client (global fetch)", n, (i) => bare.upstream.callTool({ name: "echo", arguments: { message: `m${i}` } })));
    costs.push(await measure("pieces: findCallable (catalog lookup, drizzle + libSQL)", n, () => findCallable(s.db, { shortName: "bench_echo" })));
    costs.push(await measure("pieces: buildServer (SDK v2 Server + handlers)", n, async () => buildServer(s, caller)));
    const markdown = [
      `${n} calls per row and round, 3 rounds (medians), after 300 warm-up, one at a time, in one process; the upstream is another process on loopback.`,
      "",
      table(["what", "CPU µs per call", "wall µs per call"], costs.map((c) => [c.what, fmt(c.cpuUs, 0), fmt(c.wallUs, 0)])),
    ].join("\n");
    return { costs, markdown };
  } finally {
    await bare.upstream.close().catch(() => {});
    await close();
    local.client.close();
    await echo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { markdown } = await runHandlerCost();
  console.log(markdown);
  process.exit(0);
}
