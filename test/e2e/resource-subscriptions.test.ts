// Resource subscriptions through a node, both eras, with server-everything as the upstream: it
// sends resources/updated for each subscribed URI every 5 s once its toggle-subscriber-updates
// tool has been called on the session (the node's shared session with it).
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Client as ModernClient } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { connectModern } from "../support/modern-client.ts";
import { eventually, startNode } from "../support/processes.ts";
import { startNodeWithEverything, type NodeWithEverything } from "../support/node-with-everything.ts";

const CAP = 3;
let setup: NodeWithEverything;
let client: Client;
let uris: string[];
/** The URIs whose updates the old-era client heard, in order. */
const heard: string[] = [];

beforeAll(async () => {
  setup = await startNodeWithEverything({ env: { MAX_SUBSCRIPTIONS_PER_PRINCIPAL: String(CAP) } });
  client = await connect(setup.node.mcpUrl);
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void heard.push(n.params.uri));
  uris = (await client.listResources()).resources.map((r) => r.uri).filter((u) => u.startsWith("demo://resource/static/document/"));
  expect(uris.length).toBeGreaterThan(CAP);
  // The updates start for the node's shared upstream session, which this call travels on.
  await client.callTool({ name: "everything_toggle-subscriber-updates", arguments: {} });
}, 60_000);

afterAll(async () => {
  await client?.close();
  await setup?.node.stop();
  await setup?.everything.stop();
});

it("advertises resources.subscribe where streams stand (Node)", () => {
  expect(client.getServerCapabilities()?.resources).toEqual({ listChanged: true, subscribe: true });
});

it("2025-11-25: subscribe relays the upstream's updates for that URI; unsubscribe stops them", async () => {
  const [a, b] = uris as [string, string];
  await client.subscribeResource({ uri: a });
  await eventually(async () => expect(heard).toContain(a), 15_000);
  expect(new Set(heard)).toEqual(new Set([a]));

  await client.unsubscribeResource({ uri: a });
  // B marks the upstream's ticks: once B has been heard twice, a whole tick has passed without A.
  await client.subscribeResource({ uri: b });
  await eventually(async () => expect(heard.filter((u) => u === b).length).toBeGreaterThanOrEqual(2), 20_000);
  expect(heard.slice(heard.indexOf(b))).not.toContain(a);
  await client.unsubscribeResource({ uri: b });
}, 60_000);

it("2026-07-28: a listen naming the URI carries its updates, and only to that stream", async () => {
  const uri = uris[2]!;
  const modern: ModernClient = await connectModern(setup.node.mcpUrl);
  try {
    expect(modern.getProtocolEra()).toBe("modern");
    const updates: string[] = [];
    modern.setNotificationHandler("notifications/resources/updated", (n) => void updates.push(n.params.uri));
    const before = heard.length;
    const sub = await modern.listen({ resourceSubscriptions: [uri] });
    await eventually(async () => expect(updates).toContain(uri), 15_000);
    expect(new Set(updates)).toEqual(new Set([uri]));
    // The old-era client never subscribed to this URI.
    expect(heard.slice(before)).not.toContain(uri);
    await sub.close();
  } finally {
    await modern.close();
  }
}, 60_000);

it("refuses an unlisted URI in either era, keeping nothing", async () => {
  const unknown = "demo://resource/static/document/not-there.md";
  await expect(client.subscribeResource({ uri: unknown })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining("Resource not found") });
  // A template's instance is readable, but not a listed resource.
  await expect(client.subscribeResource({ uri: "demo://resource/dynamic/text/1" })).rejects.toMatchObject({ code: -32602 });
  const modern = await connectModern(setup.node.mcpUrl);
  try {
    await expect(modern.listen({ resourceSubscriptions: [uris[0]!, unknown] })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining("Resource not found") });
  } finally {
    await modern.close();
  }
  // Nothing was kept: the whole cap is still there (once the closed listen streams have let go).
  await eventually(async () => {
    for (const uri of uris.slice(0, CAP)) await client.subscribeResource({ uri });
  });
  for (const uri of uris.slice(0, CAP)) await client.unsubscribeResource({ uri });
}, 60_000);

it("refuses a subscription over the per-principal cap with a typed error, in either era", async () => {
  for (const uri of uris.slice(0, CAP)) await client.subscribeResource({ uri });
  try {
    await expect(client.subscribeResource({ uri: uris[CAP]! })).rejects.toMatchObject({
      code: -32600,
      data: { type: "too_many_subscriptions", scope: "principal", max: CAP },
    });
    const modern = await connectModern(setup.node.mcpUrl);
    try {
      await expect(modern.listen({ resourceSubscriptions: [uris[CAP]!] })).rejects.toMatchObject({ code: -32600 });
    } finally {
      await modern.close();
    }
  } finally {
    for (const uri of uris.slice(0, CAP)) await client.unsubscribeResource({ uri });
  }
  // Unsubscribing gave the room back.
  await client.subscribeResource({ uri: uris[CAP]! });
  await client.unsubscribeResource({ uri: uris[CAP]! });
}, 60_000);

it("follows updates from a 2026-07-28 upstream on a listen stream of the node's own", async () => {
  // Node A's upstream is node B (which speaks 2026-07-28 and fronts server-everything).
  const a = await startNode();
  try {
    expect((await a.admin("POST", "/upstreams", { name: "hop", kind: "http", url: setup.node.mcpUrl })).status).toBe(201);
    const viaA = await connect(a.mcpUrl);
    try {
      const updates: string[] = [];
      viaA.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
      const uri = uris[3]!;
      expect((await viaA.listResources()).resources.map((r) => r.uri)).toContain(uri);
      await viaA.subscribeResource({ uri });
      await eventually(async () => expect(updates).toContain(uri), 15_000);
      await viaA.unsubscribeResource({ uri });
    } finally {
      await viaA.close();
    }
  } finally {
    await a.stop();
  }
}, 60_000);
