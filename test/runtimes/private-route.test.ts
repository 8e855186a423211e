// The private route across three runtimes: A on Node calls C's tool on workerd privately, through
// R on Deno. C's gateway opens the request on workerd's native X-Wing parts, sealed by A on Node
// 20's noble ML-KEM; R on Deno hands on bytes it cannot read.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, expect, test } from "vitest";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, freePort, type NodeProc, type Upstream } from "../support/processes.ts";
import { startDenoNode, startWorkerd } from "../support/runtimes.ts";

const SECRET = "private-across-runtimes-41d2";
let upC: Upstream;
let a: NodeProc;
let r: NodeProc;
let c: NodeProc;
let client: Client;

beforeAll(async () => {
  const denoPort = await freePort();
  [upC, a, r, c] = await Promise.all([
    startEverything(),
    loopbackNode("alpha", { env: { PEER_POLICY: "open" } }),
    startDenoNode({ port: denoPort, env: { NODE_NAME: "romeo", PUBLIC_URL: `http://127.0.0.1:${denoPort}`, PEER_POLICY: "open", ROUTES_OFFER: "relay" } }),
    startWorkerd({ env: { NODE_NAME: "charlie", PEER_POLICY: "open" } }),
  ]);
  await json(await r.admin("POST", "/peers", { url: c.url }));
  await json(await a.admin("POST", "/peers", { url: r.url }));
  expect((await c.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upC.url })).status).toBe(201);
  await json(await c.admin("POST", "/shares", { tool: "everything_echo", visibility: "public" }));
  client = await connect(a.mcpUrl);
  await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain(`${c.nodeId.slice(0, 8)}_everything_echo`), 30_000);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, r, c, upC].map((n) => n?.stop()));
});

test("A (Node) → R (Deno) → C (workerd): the call runs, R's logs hold no argument, C's no trace of A", async () => {
  const result = await client.callTool({ name: `${c.nodeId.slice(0, 8)}_everything_echo`, arguments: { message: SECRET }, _meta: { "mcpfed/route": "private" } });
  expect((result.content as { text: string }[])[0]!.text).toContain(SECRET);
  expect(result._meta?.["mcpfed/relay"]).toMatchObject({ provider: c.nodeId, route: "private" });
  expect(r.output()).toContain("ohttp.relayed");
  expect(r.output()).not.toContain(SECRET);
  expect(c.output()).not.toContain(a.nodeId);
  // C's invocation log has the call, under a pseudonym.
  const invocations = await eventually(async () => {
    const rows = (await json<{ invocations: { caller: string; toolName: string }[] }>(await c.admin("GET", "/invocations?limit=100"))).invocations;
    expect(rows.some((i) => i.caller.startsWith("anon:"))).toBe(true);
    return rows;
  }, 10_000);
  expect(JSON.stringify(invocations)).not.toContain(a.nodeId);
});
