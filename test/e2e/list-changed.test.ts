// A client that holds the GET /mcp stream hears when the catalog changes: an upstream's refresh,
// an operator's rename, a removed upstream.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { PromptListChangedNotificationSchema, ResourceListChangedNotificationSchema, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { eventually, startEverything, startNode, type NodeProc, type Upstream } from "../support/processes.ts";

let upstream: Upstream;
let node: NodeProc;
let client: Client;
let heard = 0;
/** Every list_changed the client heard, by kind, in order. */
const events: string[] = [];

beforeAll(async () => {
  upstream = await startEverything();
  node = await startNode();
  client = await connect(node.mcpUrl);
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    heard++;
    events.push("tools");
  });
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void events.push("resources"));
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => void events.push("prompts"));
  expect(client.getServerCapabilities()?.tools).toEqual({ listChanged: true });
});

afterAll(async () => {
  await client?.close();
  await node?.stop();
  await upstream?.stop();
});

it("announces a new upstream's tools, a rename and a removal to the client's stream", async () => {
  // The SDK client opens its GET stream after initialize; wait until the node holds it.
  const stream = await fetch(node.mcpUrl, { headers: { accept: "text/event-stream" } });
  expect(stream.status).toBe(200);
  expect(stream.headers.get("content-type")).toBe("text/event-stream");
  await stream.body?.cancel();

  let before = heard;
  expect((await node.admin("POST", "/upstreams", { name: "everything", kind: "http", url: upstream.url })).status).toBe(201);
  await eventually(async () => expect(heard).toBeGreaterThan(before));

  before = heard;
  expect((await node.admin("PATCH", "/tools/everything_echo", { name: "echo2" })).status).toBe(200);
  await eventually(async () => expect(heard).toBeGreaterThan(before));
  expect((await client.listTools()).tools.map((t) => t.name)).toContain("echo2");

  before = heard;
  expect((await node.admin("DELETE", "/upstreams/everything")).status).toBe(204);
  await eventually(async () => expect(heard).toBeGreaterThan(before));
});

it("announces nothing when a refresh finds the catalog unchanged", async () => {
  let mark = events.length;
  expect((await node.admin("POST", "/upstreams", { name: "again", kind: "http", url: upstream.url })).status).toBe(201);
  await eventually(async () => expect(events.slice(mark)).toEqual(["tools", "resources", "prompts"]));
  mark = events.length;
  expect((await (await node.admin("POST", "/upstreams/again/refresh")).json()).refresh.changed).toBe(false);
  // Then a change that announces tools and prompts only. The stream is ordered, so once its
  // prompts event is in, anything the refresh announced (tools, resources, prompts) is in before it.
  expect((await node.admin("PATCH", "/upstreams/again", { prefix: "again2" })).status).toBe(200);
  await eventually(async () => expect(events.slice(mark).at(-1)).toBe("prompts"));
  expect(events.slice(mark)).toEqual(["tools", "prompts"]);
});
