// Resource subscriptions that outlive the node's upstream session, and subscriptions to a
// per-principal upstream's resources, with server-everything as the upstream (it sends
// resources/updated for each URI subscribed on a session every 5 s once its
// toggle-subscriber-updates tool has been called on that session). The node requires sign-in,
// so each client is a principal with an API token.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { eventually, json, startEverything, startNode, type NodeProc, type Upstream } from "../support/processes.ts";

let node: NodeProc;
let everything: Upstream;
const clients: Client[] = [];
let uri: string;

async function principal(name: string): Promise<{ client: Client; heard: string[]; secret: string }> {
  const { secret } = await json<{ secret: string }>(await node.admin("POST", "/tokens", { name }));
  const client = await connect(node.mcpUrl, { authorization: `Bearer ${secret}` });
  clients.push(client);
  const heard: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void heard.push(n.params.uri));
  return { client, heard, secret };
}

beforeAll(async () => {
  [node, everything] = await Promise.all([startNode({ env: { AUTHLESS: "false" } }), startEverything()]);
  expect((await node.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await Promise.all([node?.stop(), everything?.stop()]);
});

it("subscribes again on the new upstream session after the upstream restarted", async () => {
  const alice = await principal("alice");
  uri = (await alice.client.listResources()).resources.map((r) => r.uri).find((u) => u.startsWith("demo://resource/static/document/"))!;
  await alice.client.subscribeResource({ uri });
  await alice.client.callTool({ name: "everything_toggle-subscriber-updates", arguments: {} });
  await eventually(async () => expect(alice.heard).toContain(uri), 15_000);

  // A new process on the same port knows none of the old sessions.
  await everything.stop();
  everything = await startEverything(everything.port);
  alice.heard.length = 0;
  // The call finds the session gone and reopens it; the updates start for the new session.
  await alice.client.callTool({ name: "everything_toggle-subscriber-updates", arguments: {} });
  await eventually(async () => expect(alice.heard).toContain(uri), 20_000);
  await alice.client.unsubscribeResource({ uri });
}, 90_000);

it("subscribes on the caller's own session of a per-principal upstream, and sends a caller without a credential to connect one", async () => {
  expect((await node.admin("DELETE", "/upstreams/everything")).status).toBe(204);
  const added = await node.admin("POST", "/upstreams", { name: "priv", kind: "http", url: everything.url, perPrincipal: "header:X-Api-Key" });
  expect(added.status, await added.clone().text()).toBe(201);
  const [bob, carol] = [await principal("bob"), await principal("carol")];
  expect((await bob.client.listResources()).resources.map((r) => r.uri)).toContain(uri);

  await expect(carol.client.subscribeResource({ uri })).rejects.toMatchObject({ code: -32042 });
  const saved = await fetch(`${node.url}/connect/priv`, {
    method: "PUT",
    headers: { authorization: `Bearer ${bob.secret}`, "content-type": "application/json" },
    body: JSON.stringify({ value: "bob-key" }),
  });
  expect(saved.status).toBe(200);
  await bob.client.subscribeResource({ uri });
  // Bob's call travels on his own session, which holds his subscription.
  await bob.client.callTool({ name: "priv_toggle-subscriber-updates", arguments: {} });
  await eventually(async () => expect(bob.heard).toContain(uri), 15_000);
  expect(carol.heard).toEqual([]);
  await bob.client.unsubscribeResource({ uri });
}, 90_000);
