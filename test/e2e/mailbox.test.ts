// Mailboxes (docs/protocol.md §20.6) across real node processes on loopback. M binds a port the
// test alone knows (no node is ever told it): it names B as its mailbox, peers with B by an
// outbound hello, and long-polls B. A, B's peer and never M's, learns M's public tool by gossip
// through B and calls it: forwarded to B, held there, taken by M's poll, answered back. A call made
// while M is stopped waits at B and is served once M is back. B's own messages to M (its calls,
// gossip pushes, countersignatures) are held the same way: B's ledger and M's hold the same
// record, an entry A publishes reaches M through B, and one held while M was stopped arrives.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, startEverything, startNode, type NodeProc, type Upstream } from "../support/processes.ts";

let up: Upstream;
let a: NodeProc;
let b: NodeProc;
let m: NodeProc;
let client: Client;
let onB: Client;
const mEnv = () => ({ NODE_NAME: "mike", MAILBOXES: b.url, PEER_POLICY: "open" });
const echo = () => `${m.nodeId.slice(0, 8)}_everything_echo`;
const text = (r: Awaited<ReturnType<Client["callTool"]>>) => (r.content as { text: string }[])[0]!.text;
interface RecordView {
  id: string;
  peer: string;
  role: string;
  status: string;
  record: unknown;
}
const records = async (n: NodeProc) => (await json<{ records: RecordView[] }>(await n.admin("GET", "/ledger/records?limit=1000"))).records;
const entries = async (n: NodeProc) => (await json<{ entries: { origin: string; key: string; tombstone: boolean }[] }>(await n.admin("GET", "/registry"))).entries;
/** The ids of the messages B logged holding for M, in order. */
const heldForM = () => [...b.output().matchAll(/"mailbox\.held".*?"to":"([^"]+)".*?"id":"([^"]+)"/g)].filter((h) => h[1] === m.nodeId).map((h) => h[2]!);

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
  await onB?.close();
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

  it("takes B's own call through the mailbox, and both ledgers hold the same two-party record", async () => {
    onB = await connect(b.mcpUrl);
    const listed = await eventually(async () => {
      const tool = (await onB.listTools()).tools.find((t) => t._meta?.["mcpfed/origin"] === m.nodeId && t.name.endsWith("_everything_echo"));
      expect(tool).toBeDefined();
      return tool!;
    }, 30_000);
    const result = await onB.callTool({ name: listed.name, arguments: { message: "from the mailbox itself" } });
    expect(text(result)).toContain("from the mailbox itself");
    expect(result._meta?.["mcpfed/relay"]).toMatchObject({ provider: m.nodeId, route: "direct" });
    // The countersignature travels to M through the mailbox too: both sides confirm the record.
    const [atB, atM] = await eventually(async () => {
      const consumer = (await records(b)).find((r) => r.peer === m.nodeId && r.role === "consumer" && r.status === "confirmed");
      expect(consumer).toBeDefined();
      const provider = (await records(m)).find((r) => r.id === consumer!.id);
      expect(provider).toMatchObject({ peer: b.nodeId, role: "provider", status: "confirmed" });
      return [consumer!, provider!];
    }, 20_000);
    expect(atM.record).toEqual(atB.record);
    expect(m.output()).toMatch(/"mailbox\.delivered".*"path":"\/federation\/v1\/countersigned"/);
  }, 60_000);

  it("receives an entry a peer of its mailbox publishes, pushed through the mailbox", async () => {
    expect((await a.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
    await json(await a.admin("POST", "/shares", { tool: "everything_get-sum", visibility: "public" }));
    await eventually(async () => expect(await entries(m)).toContainEqual(expect.objectContaining({ origin: a.nodeId, key: "everything/get-sum", tombstone: false })), 30_000);
    expect(m.output()).toMatch(/"mailbox\.delivered".*"path":"\/federation\/v1\/exchange"/);
  }, 60_000);

  it("gets a gossip message held while it was stopped once it is back", async () => {
    const { dataDir, port } = m;
    await m.stop();
    const before = heldForM().length;
    await json(await a.admin("POST", "/shares", { tool: "everything_get-tiny-image", visibility: "public" }));
    // B takes the entry from A and pushes it to M: held, as M is not polling.
    const held = await eventually(async () => {
      const ids = heldForM().slice(before);
      expect(ids.length).toBeGreaterThan(0);
      return ids;
    }, 20_000);
    m = await startNode({ dataDir, port, env: mEnv() });
    await eventually(async () => expect(await entries(m)).toContainEqual(expect.objectContaining({ origin: a.nodeId, key: "everything/get-tiny-image", tombstone: false })), 30_000);
    // A message held before M came back is one the new process took and answered.
    const answered = () => [...m.output().matchAll(/"mailbox\.answered".*?"id":"([^"]+)"/g)].map((x) => x[1]);
    await eventually(async () => expect(held.some((id) => answered().includes(id))).toBe(true), 20_000);
  }, 90_000);
});
