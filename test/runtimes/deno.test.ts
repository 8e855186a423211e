// The Deno entry point, end to end: a real upstream registered through the admin API, then the
// SDK client over streamable HTTP.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { connect, rawMcp } from "../support/mcp.ts";
import { accessTokenFor } from "../support/oauth.ts";
import { startEverything, type NodeProc, type Upstream } from "../support/processes.ts";
import { startDenoNode } from "../support/runtimes.ts";

let upstream: Upstream;
let node: NodeProc;
let client: Client | undefined;

beforeAll(async () => {
  [upstream, node] = await Promise.all([startEverything(), startDenoNode()]);
});

afterAll(async () => {
  await client?.close();
  await Promise.all([node?.stop(), upstream?.stop()]);
  if (node) rmSync(node.dataDir, { recursive: true, force: true });
});

test("issues and honours OAuth access tokens (Ed25519 through this runtime's WebCrypto)", async () => {
  const token = await accessTokenFor(node.url, node.adminToken);
  const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
  expect((await rawMcp(node.mcpUrl, list, { authorization: `Bearer ${token}` })).status).toBe(200);
  // Authless, a caller may come without a token, but not with a bad one.
  expect((await rawMcp(node.mcpUrl, list, { authorization: `Bearer ${token.slice(0, -2)}xx` })).status).toBe(401);
});

test("serves the upstream's tools over MCP", async () => {
  const res = await node.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upstream.url });
  expect(res.status, await res.clone().text()).toBe(201);
  expect(((await res.json()) as { refresh: { ok: boolean } }).refresh.ok).toBe(true);

  client = await connect(node.mcpUrl);
  expect(client.getServerVersion()?.name).toBeTruthy();
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toContain("everything_echo");

  const result = await client.callTool({ name: "everything_echo", arguments: { message: "from deno" } });
  expect(result.isError ?? false).toBe(false);
  expect(result.content).toEqual([{ type: "text", text: "Echo: from deno" }]);
});

test("stores in the embedded libSQL file and stops cleanly", async () => {
  expect(existsSync(join(node.dataDir, "node.db"))).toBe(true);
  await node.stop();
  expect(node.child.exitCode ?? node.child.signalCode).toBe(0);
});
