// Mailboxes (docs/protocol.md §20.6) across real node processes on loopback. M binds a port the
// test alone knows (no node is ever told it): it names B as its mailbox, peers with B by an
// outbound hello, and long-polls B. A, B's peer and never M's, learns M's public tool by gossip
// through B and calls it: forwarded to B, held there, taken by M's poll, answered back. A call made
// while M is stopped waits at B and is served once M is back.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, startNode, type NodeProc, type Upstream } from "../support/processes.ts";

let up: Upstream;
let a: NodeProc;
let b: NodeProc;
let m: NodeProc;
let client: Client;
const mEnv = () => ({ NODE_NAME: "mike", MAILBOXES: b.url, PEER_POLICY: "open" });
const echo = () => `${m.nodeId.slice(0, 8)}_everything_echo`;
const text = (r: Awaited<ReturnType<Client["callTool"]>>) => (r.content as { text: string }[])[0]!.text;

beforeAll(async () => {
  up = await startEverything();
  b = await loopbackNode("bravo", { env: { PEER_POLICY: "open", ROUTES_OFFER: "forward,mailbox" } });
  a = await loopbackNode("alpha", { env: { PEER_POLICY: "open" } });
  m = await startNode({ env: mEnv() });
  await json(await a.admin("POST", "/peers", { url: b.url }));
  // M's poll loop says hello to B on start.
  await eventually(async () => expect((await json<{ peers: { id: string; state: string }[] }>(await b.admin("GET", "/peers"))).peers).toContainEqual(expect.objectContaining({ id: m.nodeId, state: "active" })), 20_000);
  expect((await m.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  await json(await m.admin("POST", "/shares", { tool: "everything_echo", visibility: "public" }));
  client = await connect(a.mcpUrl);
  await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain(echo()), 30_000);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, m, up].map((n) => n?.stop()));
});

describe("a node behind a mailbox", () => {
  it("names its mailbox in its card, whose URL is the mailbox's", async () => {
    const card = (await (await fetch(`${m.url}/.well-known/mcpfed`)).json()) as { url: string; mailboxes?: string[] };
    expect(card.mailboxes).toEqual([b.url]);
    expect(new URL(card.url).origin).toBe(b.url);
  });

  it("serves a call relayed through its mailbox, and is never reached inbound", async () => {
    const result = await client.callTool({ name: echo(), arguments: { message: "through the mailbox" } });
    expect(text(result)).toContain("through the mailbox");
    expect(result._meta?.["mcpfed/relay"]).toMatchObject({ provider: m.nodeId, route: "forwarded" });
    expect(b.output()).toContain("mailbox.held");
    expect(m.output()).toContain("mailbox.answered");
    // Every federation message M handled came through its polls: no request reached its port.
    expect(m.output()).not.toMatch(/"federation\.refused"|"hello\.refused"/);
    expect(m.output()).not.toContain(m.url);
    for (const n of [a, b]) expect(n.output()).not.toContain(`:${m.port}`);
  });

  it("serves a call made while it was stopped once it is back", async () => {
    const { dataDir, port } = m;
    await m.stop();
    const pending = client.callTool({ name: echo(), arguments: { message: "queued while away" } });
    await eventually(async () => expect(b.output()).toMatch(/mailbox\.held[\s\S]*mailbox\.held/), 10_000);
    m = await startNode({ dataDir, port, env: mEnv() });
    expect(text(await pending)).toContain("queued while away");
  }, 60_000);
});
