// An upstream's own list changes reach the node's clients: the conformance fixture (an SDK v2
// server speaking 2026-07-28) announces a change of its tools or prompts only on its listen
// streams, so the node listens there while a client of its own listens for list changes (a
// 2026-07-28 listen stream, or a 2025-11-25 GET stream), and passes each announcement on.
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startConformanceFixture } from "../support/conformance-fixture.ts";
import { connect } from "../support/mcp.ts";
import { connectModern } from "../support/modern-client.ts";
import { eventually, startNode, type NodeProc, type Upstream } from "../support/processes.ts";

let fixture: Upstream;
let node: NodeProc;
let modern: Client;

beforeAll(async () => {
  [fixture, node] = await Promise.all([startConformanceFixture(), startNode()]);
  const added = await node.admin("POST", "/upstreams", { name: "conformance", kind: "http", url: fixture.url, prefix: "" });
  expect(added.status, await added.text()).toBe(201);
  modern = await connectModern(node.mcpUrl);
}, 60_000);

afterAll(async () => {
  await modern?.close();
  await Promise.all([node?.stop(), fixture?.stop()]);
});

const trigger = (name: string) => modern.callTool({ name, arguments: {} });

it("a 2026-07-28 client's listen stream hears the upstream announce its tools and its prompts changed", async () => {
  const heard: string[] = [];
  modern.setNotificationHandler("notifications/tools/list_changed", () => void heard.push("tools"));
  modern.setNotificationHandler("notifications/prompts/list_changed", () => void heard.push("prompts"));
  // Acknowledged once the node listens on the upstream too: a change from now on is not missed.
  const sub = await modern.listen({ toolsListChanged: true, promptsListChanged: true });
  try {
    expect((await trigger("test_trigger_tool_change")).content).toEqual([{ type: "text", text: "tools list changed" }]);
    await eventually(async () => expect(heard).toContain("tools"), 10_000);
    expect(heard).not.toContain("prompts");
    await trigger("test_trigger_prompt_change");
    await eventually(async () => expect(heard).toContain("prompts"), 10_000);
  } finally {
    await sub.close();
  }
});

it("a 2025-11-25 client's GET stream hears it too", async () => {
  const legacy = await connect(node.mcpUrl);
  try {
    let heard = 0;
    legacy.setNotificationHandler(ToolListChangedNotificationSchema, () => void heard++);
    // The GET stream opens after initialize, and the node's listen upstream after it: an
    // announcement made before both are up is lost, so announce until one arrives.
    await eventually(async () => {
      await trigger("test_trigger_tool_change");
      await eventually(async () => expect(heard).toBeGreaterThan(0), 2_000);
    }, 20_000);
  } finally {
    await legacy.close();
  }
});
