// Sharing across runtimes, A–B–C in a line: A on Node shares tools of its server-everything
// upstream, B on Deno relays them, C on workerd holds them (and lists none: A is not its peer). Every hop seals and opens gossip
// with another runtime's crypto; ticks (POST /admin/tick) stand in for the schedulers.
import { afterAll, beforeAll, expect, test } from "vitest";
import { connect } from "../support/mcp.ts";
import { eventually, freePort, json, type NodeProc, startEverything, startNode, type Upstream } from "../support/processes.ts";
import { tick } from "../support/tick.ts";
import { startDenoNode, startWorkerd } from "../support/runtimes.ts";

interface EntryView {
  origin: string;
  key: string;
  visibility: string;
  tombstone: boolean;
}

let everything: Upstream;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;

const live = async (n: NodeProc) =>
  (await json<{ entries: EntryView[] }>(await n.admin("GET", "/registry"))).entries
    .filter((e) => e.origin === a.nodeId && !e.tombstone)
    .map((e) => `${e.key} ${e.visibility}`)
    .sort();
const tickAll = async () => {
  for (const n of [a, b, c]) await tick(n);
};

beforeAll(async () => {
  const [aPort, bPort] = await Promise.all([freePort(), freePort()]);
  everything = await startEverything();
  [a, b, c] = await Promise.all([
    startNode({ port: aPort, env: { NODE_NAME: "on-node", PUBLIC_URL: `http://127.0.0.1:${aPort}`, PEER_POLICY: "open" } }),
    // Deno forwards nothing here (test/runtimes/forwarded.test.ts has the forwarded route).
    startDenoNode({ port: bPort, env: { NODE_NAME: "on-deno", PUBLIC_URL: `http://127.0.0.1:${bPort}`, PEER_POLICY: "open", ROUTES_OFFER: "none" } }),
    startWorkerd({ env: { NODE_NAME: "on-workerd", PEER_POLICY: "open" } }),
  ]);
  expect((await a.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/peers", { url: c.url }));
}, 180_000);

afterAll(async () => {
  await Promise.all([a, b, c, everything].map((n) => n?.stop()));
});

test("a public share on Node reaches workerd through Deno; a peers share stops at Deno", async () => {
  await json(await a.admin("POST", "/shares", { tool: "everything_echo", visibility: "public" }));
  await json(await a.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "peers" }));
  await eventually(async () => {
    await tickAll();
    expect(await live(c)).toEqual(["everything/echo public"]);
  }, 30_000);
  expect(await live(b)).toEqual(["everything/echo public", "everything/get-sum peers"]);

  const client = await connect(c.mcpUrl);
  try {
    // A is not workerd's peer and Deno forwards nothing: not listed, and refused by id.
    expect((await client.listTools()).tools.some((t) => t._meta?.["mcpfed/id"] === `${a.nodeId}/everything/echo`)).toBe(false);
    await expect(client.callTool({ name: "call_tool", arguments: { id: `${a.nodeId}/everything/echo`, arguments: { message: "hi" } } })).rejects.toMatchObject({
      data: { type: "peer_unreachable", origin: a.nodeId },
      message: expect.stringContaining("no peer of this node offers to forward"),
    });
  } finally {
    await client.close();
  }
  // Deno is A's peer: its call crosses to Node and back in envelopes.
  const viaDeno = await connect(b.mcpUrl);
  try {
    const sum = (await viaDeno.listTools()).tools.find((t) => t._meta?.["mcpfed/id"] === `${a.nodeId}/everything/get-sum`);
    const result = await viaDeno.callTool({ name: sum!.name, arguments: { a: 20, b: 22 } });
    expect(JSON.stringify(result.content)).toContain("42");
    expect(result._meta?.["mcpfed/relay"]).toMatchObject({ provider: a.nodeId, cached: false });
  } finally {
    await viaDeno.close();
  }
}, 60_000);

test("a withdrawal on Node leaves workerd's catalog", async () => {
  await json(await a.admin("DELETE", "/shares/everything/echo"));
  await eventually(async () => {
    await tickAll();
    expect(await live(c)).toEqual([]);
  }, 30_000);
}, 60_000);

test("a share on workerd reaches Deno by its push alone, without a tick", async () => {
  expect((await c.admin("POST", "/upstreams", { name: "edge", kind: "http", url: everything.url })).status).toBe(201);
  await json(await c.admin("POST", "/shares", { tool: "edge_echo", visibility: "peers" }));
  await eventually(async () => {
    const held = (await json<{ entries: EntryView[] }>(await b.admin("GET", "/registry"))).entries;
    expect(held.filter((e) => e.origin === c.nodeId && !e.tombstone).map((e) => e.key)).toEqual(["edge/echo"]);
  }, 15_000);
}, 60_000);

test("Deno calls a tool on workerd, which streams progress and the sealed answer back", async () => {
  await json(await c.admin("POST", "/shares", { tool: "edge_trigger-long-running-operation", visibility: "peers", pricing: { model: "per_call", amount: 2, unit: "credit" } }));
  const client = await connect(b.mcpUrl);
  try {
    const find = async (id: string) => (await client.listTools()).tools.find((t) => t._meta?.["mcpfed/id"] === `${c.nodeId}/${id}`);
    await eventually(async () => expect(await find("edge/trigger-long-running-operation")).toBeDefined(), 15_000);
    const echo = await client.callTool({ name: (await find("edge/echo"))!.name, arguments: { message: "to the edge" } });
    expect(echo.content).toEqual([{ type: "text", text: "Echo: to the edge" }]);
    const progress: number[] = [];
    const long = await client.callTool({ name: (await find("edge/trigger-long-running-operation"))!.name, arguments: { duration: 0.6, steps: 3 } }, undefined, {
      onprogress: (p) => void progress.push(p.progress),
    });
    expect(progress).toEqual([1, 2, 3]);
    expect(long._meta?.["mcpfed/relay"]).toMatchObject({ provider: c.nodeId, cached: false, record: expect.stringMatching(/^[0-9a-f]{64}$/) });
  } finally {
    await client.close();
  }
}, 60_000);

test("workerd calls a tool on Deno, and both keep the same confirmed record, confirmed at Deno without a tick", async () => {
  expect((await b.admin("POST", "/upstreams", { name: "mid", kind: "http", url: everything.url })).status).toBe(201);
  await json(await b.admin("POST", "/shares", { tool: "mid_get-sum", visibility: "peers", pricing: { model: "per_call", amount: 3, unit: "credit" } }));
  const client = await connect(c.mcpUrl);
  try {
    const find = async () => (await client.listTools()).tools.find((t) => t._meta?.["mcpfed/id"] === `${b.nodeId}/mid/get-sum`);
    await eventually(async () => expect(await find()).toBeDefined(), 15_000);
    const sum = await client.callTool({ name: (await find())!.name, arguments: { a: 40, b: 2 } });
    expect(JSON.stringify(sum.content)).toContain("42");
    const relay = sum._meta?.["mcpfed/relay"] as { provider: string; record: string };
    expect(relay).toMatchObject({ provider: b.nodeId, record: expect.stringMatching(/^[0-9a-f]{64}$/) });
    type View = { records: { id: string; status: string; record: unknown }[] };
    // workerd pushes its countersignature under waitUntil with its answer: Deno confirms without a tick.
    const atDeno = async () => (await json<View>(await b.admin("GET", `/ledger/records?peer=${c.nodeId}`))).records.find((r) => r.id === relay.record);
    await eventually(async () => expect(await atDeno()).toMatchObject({ status: "confirmed" }), 10_000);
    const [onDeno, onWorkerd] = await Promise.all([
      json<View>(await b.admin("GET", `/ledger/records?peer=${c.nodeId}`)),
      json<View>(await c.admin("GET", `/ledger/records?peer=${b.nodeId}`)),
    ]);
    const [atB, atC] = [onDeno.records.find((r) => r.id === relay.record), onWorkerd.records.find((r) => r.id === relay.record)];
    // Both offer ledger-checkpoints: the parts are Ed25519 signatures, made and checked by each runtime's WebCrypto.
    expect(atC).toMatchObject({ status: "confirmed", record: { intent: { suite: "ed25519-checkpoint" }, receipt: { amount: 3, unit: "credit" } } });
    expect(atB).toEqual({ ...atC, role: "provider", peer: c.nodeId });
  } finally {
    await client.close();
  }
}, 60_000);

test("Deno and workerd each score the other from the record they share, on their tick", async () => {
  await Promise.all([tick(b), tick(c)]);
  type Trust = { score: number; why: { inflow: { from: string; kind: string }[]; interactions?: { confirmed: number } } };
  const [onDeno, onWorkerd] = await Promise.all([json<Trust>(await b.admin("GET", `/trust/${c.nodeId}`)), json<Trust>(await c.admin("GET", `/trust/${b.nodeId}`))]);
  for (const [t, self] of [[onDeno, b.nodeId], [onWorkerd, c.nodeId]] as const) {
    expect(t.score).toBeGreaterThan(0);
    expect(t.why.inflow[0]).toMatchObject({ from: self, kind: "interaction" });
    expect(t.why.interactions?.confirmed).toBeGreaterThanOrEqual(1);
  }
}, 60_000);
