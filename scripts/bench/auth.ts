// What auth and policy add to a tool call. Two nodes run in this one process, built by
// createApp over their own libSQL files and fronting the same in-process upstream: one authless
// with no rules, one with auth on and 20 policy rules. Calls go through app.fetch (no client
// network), alternating between the variants call by call, so that drift and deferred work hit
// all of them alike. The difference at p50 is what auth and policy cost per call.
//   npm run bench:auth [-- --calls 5000]
import { createClient } from "@libsql/client";
import { serve } from "@hono/node-server";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { drizzle } from "drizzle-orm/libsql";
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { createApp, type NodeApp } from "../../src/http/app.ts";
import { issueAccessToken } from "../../src/node/access/credentials/access-tokens.ts";
import { registerClient } from "../../src/node/access/oauth/clients.ts";
import { createSession } from "../../src/node/access/oauth/sessions.ts";
import { ALL_SCOPES } from "../../src/node/access/principals/scopes.ts";
import { loadConfig } from "../../src/node/settings/config.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { migrate, type Database } from "../../src/store/database.ts";
import * as schema from "../../src/store/schema/index.ts";

const { values } = parseArgs({ options: { calls: { type: "string", default: "5000" } } });
const CALLS = Number(values.calls);
const ORIGIN = "http://127.0.0.1:8787";
const ADMIN = "bench-admin-token-0123456789";

/** An upstream with one echo tool, served statelessly from this process. */
function startUpstream(): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    const server = serve(
      {
        port: 0,
        hostname: "127.0.0.1",
        fetch: async (req) => {
          const mcp = new McpServer({ name: "bench-upstream", version: "1.0.0" });
          mcp.registerTool("echo", { description: "echoes", inputSchema: { message: z.string() } }, async ({ message }) => ({
            content: [{ type: "text", text: `Echo: ${message}` }],
          }));
          const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
          await mcp.connect(transport);
          return transport.handleRequest(req);
        },
      },
      (info) => resolve({ url: `http://127.0.0.1:${info.port}/mcp`, close: () => server.close() }),
    );
  });
}

async function node(env: Record<string, string>): Promise<{ app: NodeApp; db: Database; close: () => Promise<void> }> {
  // Opened as src/runtimes/local.ts opens it.
  const client = createClient({ url: `file:${join(mkdtempSync(join(tmpdir(), "mcpfed-bench-")), "node.db")}`, timeout: 5000, concurrency: 1 });
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA synchronous = NORMAL");
  const db = drizzle(client, { schema }) as Database;
  await migrate(db);
  const app = await createApp({ config: loadConfig({ ADMIN_TOKEN: ADMIN, NODE_SEED: newSeed(), ...env }), db });
  return { app, db, close: async () => (await app.close(), client.close()) };
}

async function admin(n: NodeApp, method: string, path: string, body?: unknown) {
  const res = await n.app.request(`${ORIGIN}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

interface Variant {
  name: string;
  app: NodeApp;
  headers: Record<string, string>;
  samples: number[];
}

let id = 0;
async function call(v: Variant): Promise<number> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: ++id, method: "tools/call", params: { name: "up_echo", arguments: { message: "bench" } } });
  const started = performance.now();
  const res = await v.app.app.request(`${ORIGIN}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...v.headers },
    body,
  });
  const text = await res.text();
  const elapsed = performance.now() - started;
  if (res.status !== 200 || !text.includes("Echo: bench")) throw new Error(`${v.name}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return elapsed;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const upstream = await startUpstream();
const off = await node({ AUTHLESS: "true" });
const on = await node({ AUTHLESS: "false" });
try {
  for (const n of [off, on]) await admin(n.app, "POST", "/upstreams", { name: "up", kind: "http", url: upstream.url });
  // A policy the engine reads through: 19 rules that do not match, then the one that allows.
  for (let i = 0; i < 19; i++) {
    const rule = i % 3 === 0 ? { effect: "deny", tag: `tag-${i}` } : i % 3 === 1 ? { effect: "grant", upstream: `other-${i}` } : { effect: "deny", role: `role-${i}`, tool: "up_*" };
    await admin(on.app, "POST", "/policy/rules", { priority: i, ...rule });
  }
  await admin(on.app, "POST", "/policy/rules", { priority: 50, effect: "allow", tool: "up_echo" });

  // An OAuth session and access token, made as the token endpoint makes them.
  const { row: client } = await registerClient(on.db, { redirect_uris: ["http://127.0.0.1:1/cb"], token_endpoint_auth_method: "none" });
  const { session } = await createSession(on.db, { clientId: client.clientId, scopes: ALL_SCOPES, resource: `${ORIGIN}/mcp` });
  const jwt = (await issueAccessToken(on.app.services.access.keys, { issuer: ORIGIN, audience: `${ORIGIN}/mcp`, clientId: client.clientId, sessionId: session.id, scopes: ALL_SCOPES })).token;
  const apiToken = (await admin(on.app, "POST", "/tokens", { name: "bench" })).secret as string;
  const limited = (await admin(on.app, "POST", "/tokens", { name: "bench-limited" })) as { token: { id: string }; secret: string };
  await admin(on.app, "POST", "/limits", { subjectId: limited.token.id, windowSeconds: 3600, maxRequests: 1_000_000_000, maxConcurrent: 100 });

  const variants: Variant[] = [
    { name: "auth off (authless, no rules)", app: off.app, headers: {}, samples: [] },
    { name: "OAuth access token, 20 rules", app: on.app, headers: { authorization: `Bearer ${jwt}` }, samples: [] },
    { name: "API token, 20 rules", app: on.app, headers: { authorization: `Bearer ${apiToken}` }, samples: [] },
    { name: "API token, 20 rules, rate and concurrency limits", app: on.app, headers: { authorization: `Bearer ${limited.secret}` }, samples: [] },
  ];
  for (let i = 0; i < 500; i++) for (const v of variants) await call(v); // warm-up: JIT, sessions, caches
  for (let i = 0; i < CALLS; i++) for (const v of variants) v.samples.push(await call(v));

  const p50 = (v: Variant) => quantile([...v.samples].sort((a, b) => a - b), 0.5);
  const base = p50(variants[0]!);
  const lines = [
    `${CALLS} calls of a tools/call per variant, interleaved, through app.fetch in one process; Node ${process.version}, ${cpus().length} cores.`,
    "",
    "| variant | p50 ms | p90 ms | p99 ms | added at p50 |",
    "|---|---|---|---|---|",
  ];
  for (const v of variants) {
    const s = [...v.samples].sort((a, b) => a - b);
    const added = p50(v) - base;
    lines.push(`| ${v.name} | ${p50(v).toFixed(3)} | ${quantile(s, 0.9).toFixed(3)} | ${quantile(s, 0.99).toFixed(3)} | ${v === variants[0] ? "-" : `${added >= 0 ? "+" : ""}${added.toFixed(3)} ms`} |`);
  }
  console.log(lines.join("\n"));
} finally {
  await Promise.all([off.close(), on.close()]);
  upstream.close();
}
