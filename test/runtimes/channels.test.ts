// Peer channels across runtimes: nodes on Node, Deno and workerd peer in every pair. The Deno node
// fronts server-everything and shares a tool: its gossip reaches the others on channels it opened,
// and the relayed calls Node → Deno and workerd → Deno ride on channels those opened; Node and
// workerd ping each other on channels too. Each side's rows (GET /admin/federation/channels) name
// the same channel, and no request fell back to an envelope.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, expect, test } from "vitest";
import { connect } from "../support/mcp.ts";
import { eventually, json, startEverything, type NodeProc, type Upstream } from "../support/processes.ts";
import { startOnEveryRuntime, type RuntimeName } from "../support/runtimes.ts";

interface Status {
  channels: { cid: string; peer: string; role: "initiator" | "responder" }[];
  counts: Record<"opened" | "accepted" | "first" | "sent" | "received" | "reopened" | "fallbacks", number>;
}
type Name = RuntimeName;

const status = async (n: NodeProc): Promise<Status> => json<Status>(await n.admin("GET", "/federation/channels"));
const text = (r: unknown) => ((r as { content: { type: string; text: string }[] }).content[0]?.text ?? "");

let nodes: Record<Name, NodeProc>;
let up: Upstream;
const clients: Client[] = [];

/** The one channel `from` opened to `to`, which `to` holds as responder. */
async function channelBetween(from: Name, to: Name): Promise<string> {
  const opened = (await status(nodes[from])).channels.filter((c) => c.peer === nodes[to].nodeId && c.role === "initiator").map((c) => c.cid);
  expect(opened, `${from} → ${to}`).toHaveLength(1);
  const held = (await status(nodes[to])).channels.filter((c) => c.peer === nodes[from].nodeId && c.role === "responder").map((c) => c.cid);
  expect(held, `${to} holds ${from}'s channel`).toContain(opened[0]);
  return opened[0]!;
}

beforeAll(async () => {
  up = await startEverything();
  nodes = await startOnEveryRuntime();
  expect((await nodes.deno.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  for (const [from, to] of [["node", "deno"], ["workerd", "deno"], ["node", "workerd"]] as const) {
    const res = await nodes[from].admin("POST", "/peers", { url: nodes[to].url });
    expect(res.status, `${from} adds ${to}: ${await res.clone().text()}`).toBe(201);
  }
  await json(await nodes.deno.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers", pricing: { model: "free" } }));
}, 240_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([...Object.values(nodes ?? {}), up].map((n) => n?.stop()));
});

test("Deno's gossip reaches Node and workerd on channels Deno opened", async () => {
  for (const to of ["node", "workerd"] as const) {
    await eventually(async () => channelBetween("deno", to), 20_000);
  }
  const deno = await status(nodes.deno);
  expect(deno.counts).toMatchObject({ fallbacks: 0 });
  expect(deno.counts.sent).toBeGreaterThanOrEqual(2);
}, 60_000);

test("relayed calls Node → Deno and workerd → Deno ride on channels", async () => {
  for (const consumer of ["node", "workerd"] as const) {
    const client = await connect(nodes[consumer].mcpUrl);
    clients.push(client);
    await eventually(async () => expect((await client.listTools()).tools.map((t) => t.name)).toContain("on-deno_everything_get-sum"), 20_000);
    for (let i = 0; i < 2; i++) {
      const sum = await client.callTool({ name: "on-deno_everything_get-sum", arguments: { a: i, b: 10 } });
      expect(text(sum), consumer).toContain(String(10 + i));
    }
    await channelBetween(consumer, "deno");
    expect((await status(nodes[consumer])).counts.fallbacks, consumer).toBe(0);
  }
  // Each call came on a channel: as a frame, or as the first flight of the handshake that opened it.
  const atDeno = (await status(nodes.deno)).counts;
  expect(atDeno.received + atDeno.first).toBeGreaterThanOrEqual(4);
}, 90_000);

test("Node and workerd ping each other on channels, both ways", async () => {
  for (const [from, to] of [["node", "workerd"], ["workerd", "node"]] as const) {
    const ping = await nodes[from].admin("POST", `/peers/${nodes[to].nodeId}/ping`);
    expect(ping.status, `${from} pings ${to}: ${await ping.clone().text()}`).toBe(200);
    await channelBetween(from, to);
  }
}, 60_000);
