// Catalog mode `search`, and refreshing when an upstream says its lists changed.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { eventually, everythingStdio, type NodeProc, type Upstream } from "../support/processes.ts";

let upstream: Upstream;
let node: NodeProc;
let client: Client;

beforeAll(async () => {
  ({ node, everything: upstream } = await startNodeWithEverything({ env: { CATALOG_MODE: "search" } }));
  client = await connect(node.mcpUrl);
});

afterAll(async () => {
  await client?.close();
  await node?.stop();
  await upstream?.stop();
});

const AGENT_TOOLS = ["agent_deregister", "agent_discover", "agent_heartbeat", "agent_register", "intent_accept", "intent_declare", "intent_offer", "intent_withdraw"];

it("lists only the node's own tools and pinned tools, while every tool stays callable", async () => {
  expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([...AGENT_TOOLS, "call_tool", "search_tools"].sort());
  expect((await node.admin("PATCH", "/tools/everything_echo", { pinned: true })).status).toBe(200);
  expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([...AGENT_TOOLS, "call_tool", "everything_echo", "search_tools"].sort());

  const found = await client.callTool({ name: "search_tools", arguments: { query: "structured weather", limit: 3 } });
  const top = (found.structuredContent as { results: { name: string; id: string; inputSchema: object }[] }).results[0]!;
  expect(top.name).toBe("everything_get-structured-content");
  expect(top.inputSchema).toMatchObject({ type: "object" });
  const r = await client.callTool({ name: "call_tool", arguments: { id: top.id, arguments: { location: "New York" } } });
  expect(r.structuredContent).toMatchObject({ conditions: expect.any(String) });
});

it("refreshes the catalog when a stdio upstream announces a list change", async () => {
  expect((await node.admin("POST", "/upstreams", { name: "live", kind: "stdio", ...everythingStdio })).status).toBe(201);
  const before = (await client.listResources()).resources.length;
  // gzip-file-as-resource registers a new resource at the upstream, which then sends
  // notifications/resources/list_changed; the node must pick the new resource up by itself.
  const data = `data:text/plain;base64,${Buffer.from("hello").toString("base64")}`;
  await client.callTool({ name: "call_tool", arguments: { id: `${node.nodeId}/live/gzip-file-as-resource`, arguments: { name: "greeting.txt", data } } });
  await eventually(async () => {
    const uris = (await client.listResources()).resources.map((x) => x.uri);
    expect(uris.length).toBeGreaterThan(before);
    expect(uris.some((u) => u.includes("greeting.txt"))).toBe(true);
  }, 5000);
});
