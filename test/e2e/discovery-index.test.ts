// The structured index across 20 real node processes on loopback (docs/discovery.md): two chains
// of ten public nodes, joined by a bridge node that keeps only its peers' entries
// (REGISTRY_SYNC=partial), so that node and compact directory entries (§20.7) reach everyone but
// X's tool entry never crosses to Y's side. search_tools on Y finds X's tool through the index alone, and agent_discover X's agent;
// both still with one of the key's responsible nodes killed; Y calls the tool without peering with X.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodePositions, positionOf } from "../../src/protocol/discovery/placement.ts";
import { connect } from "../support/mcp.ts";
import { withEverything } from "../support/node-with-everything.ts";
import { eventually, json, loopbackNode, type NodeProc, type Upstream } from "../support/processes.ts";
import { tick as tickOnce } from "../support/tick.ts";

const N = 20;
const BRIDGE = 10;
const WAVE = 3;
const env = (i: number) => ({
  PEER_POLICY: "open",
  PUBLIC_NODE: "true",
  INDEX_MIN_NODES: "10",
  INDEX_REPLICAS: "3",
  ...(i === BRIDGE ? { REGISTRY_SYNC: "partial" } : {}),
});

interface EntryView {
  origin: string;
  kind: string;
  key: string;
  tombstone: boolean;
}
interface Hit {
  id: string;
  origin: string;
  url?: string;
  via?: string;
  available: boolean;
}

const nodes: NodeProc[] = [];
let everything: Upstream;
let client: Client | undefined;
const x = () => nodes[0]!;
const y = () => nodes[N - 1]!;
const running = new Set<NodeProc>();

const tickAll = () => Promise.all([...running].map((n) => tickOnce(n)));
const knownCount = async (n: NodeProc) => (await json<{ nodes: unknown[] }>(await n.admin("GET", "/nodes"))).nodes.length;
const toolEntriesOf = async (n: NodeProc, origin: string) =>
  (await json<{ entries: EntryView[] }>(await n.admin("GET", "/registry"))).entries.filter((e) => e.origin === origin && e.kind === "tool" && !e.tombstone);
interface AgentHit {
  name: string;
  node: string;
  url?: string;
  via?: string;
  tags: string[];
}
const discoverAgents = async (capabilities: string[], all = false): Promise<AgentHit[]> => {
  const res = (await client!.callTool({ name: "agent_discover", arguments: { capabilities, ...(all ? { all } : {}) } })) as unknown as { isError?: boolean; structuredContent: { agents: AgentHit[] } };
  expect(res.isError ?? false).toBe(false);
  return res.structuredContent.agents;
};
/** Ticks X until every owner of each of its keys holds its record: a tick that sends nothing and fails nothing. */
const settled = () =>
  eventually(async () => {
    expect((await tickOnce(x())).index).toMatchObject({ sent: 0, failed: 0 });
  }, 60_000);
const search = async (query: string): Promise<Hit[]> => {
  const res = (await client!.callTool({ name: "search_tools", arguments: { query } })) as unknown as { structuredContent: { results: Hit[] } };
  return res.structuredContent.results;
};

beforeAll(async () => {
  // X first, beside its upstream; then the rest in small parallel waves: twenty transpiling
  // starts at once outlast the start's wait on a shared machine.
  ({ node: nodes[0], everything } = await withEverything(loopbackNode("n0", { env: env(0) })));
  for (let i = 1; i < N; i += WAVE) {
    nodes.push(...(await Promise.all(Array.from({ length: Math.min(WAVE, N - i) }, (_, j) => loopbackNode(`n${i + j}`, { env: env(i + j) })))));
  }
  nodes.forEach((n) => running.add(n));
  // Two chains, 0–…–9 and 10–…–19, joined 9–10; 10 is the partial bridge.
  await Promise.all(nodes.slice(0, -1).map(async (n, i) => json(await n.admin("POST", "/peers", { url: nodes[i + 1]!.url }))));
  await json(await x().admin("POST", "/shares", { tool: "everything_echo", visibility: "public" }));
  // Every card reaches every node, through the bridge too.
  await eventually(async () => {
    await tickAll();
    expect(await Promise.all(nodes.map(knownCount))).toEqual(Array(N).fill(N - 1));
  }, 180_000);
}, 400_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([...running, everything].map((n) => n?.stop()));
});

describe("the index over 20 node processes", () => {
  it("keeps X's tool entry on X's side of the bridge", async () => {
    expect(await toolEntriesOf(nodes[BRIDGE - 1]!, x().nodeId)).toHaveLength(1);
    for (const n of nodes.slice(BRIDGE)) expect(await toolEntriesOf(n, x().nodeId)).toEqual([]);
  });

  it("finds X's agent from Y through the index by its capability tags", async () => {
    client = await connect(y().mcpUrl);
    const onX = await connect(x().mcpUrl);
    try {
      const reg = (await onX.callTool({ name: "agent_register", arguments: { name: "translator", tags: ["translate", "lang:de"], ttl_seconds: 3600, visibility: "public" } })) as { isError?: boolean };
      expect(reg.isError ?? false).toBe(false);
    } finally {
      await onX.close();
    }
    const report = await tickOnce(x());
    // index-agents and index-xor are pending by default (§20.5): every node here advertises both, so both are on.
    expect(report.features).toEqual([
      { feature: "index-agents", adoption: 1, active: true },
      { feature: "index-xor", adoption: 1, active: true },
    ]);
    if ("error" in report.index) throw new Error(report.index.error);
    expect(report.index.signed).toBeGreaterThan(0);
    await settled();
    await eventually(async () => {
      expect(await discoverAgents(["lang:de"])).toEqual([expect.objectContaining({ name: "translator", node: x().nodeId, url: x().url, via: "index", tags: ["translate", "lang:de"] })]);
    }, 30_000);
    // all: both tags must be carried; a tag no agent has finds nothing.
    expect(await discoverAgents(["translate", "lang:fr"], true)).toEqual([]);
    expect(await discoverAgents(["lang:fr"])).toEqual([]);
  });

  it("finds X's tool from Y through the index and X's agent, with a responsible node killed; the tool verified, with X's URL, its entry taken from X", async () => {
    // X's records went out on the ticks above, once X knew INDEX_MIN_NODES nodes; nodes that became
    // responsible since get them on X's next tick, and a send that failed under load is retried.
    await settled();
    // Every node advertises index-xor (adoption 100%, above its 0.9): keys live at their closest nodes.
    const owners = new NodePositions(nodes.map((n) => ({ id: n.nodeId }))).closest(positionOf("kw:echoes"), 3).map((n) => n.id);
    const victim = nodes.find((n) => owners.includes(n.nodeId) && n !== x() && n !== y())!;
    expect(victim).toBeDefined();
    running.delete(victim);
    await victim.stop("SIGKILL");
    // A lookup's answers each have a deadline (3 s): on a loaded machine an owner may miss it.
    await eventually(async () => {
      const hits = await search("echoes");
      expect(hits).toEqual([expect.objectContaining({ id: `${x().nodeId}/everything/echo`, origin: x().nodeId, url: x().url, via: "index", available: true })]);
    }, 30_000);
    expect(await discoverAgents(["translate"])).toEqual([expect.objectContaining({ name: "translator", via: "index" })]);
    // The hit's entry was taken from X (index-entries): Y now holds it and finds the tool locally.
    expect(await toolEntriesOf(y(), x().nodeId)).toHaveLength(1);
    const again = await search("echoes");
    expect(again).toEqual([expect.objectContaining({ id: `${x().nodeId}/everything/echo`, origin: x().nodeId, available: true })]);
    expect(again[0]).not.toHaveProperty("via");
    // A word no tool is indexed under finds nothing, from the index either.
    expect(await search("xyzzyfrobnicate")).toEqual([]);
  });

  it("calls the tool it found without peering with X: straight to X, which takes a stranger's own envelope", async () => {
    // The first search took the tool's signed entry from X (index-entries), so the hit is callable here.
    expect(await toolEntriesOf(y(), x().nodeId)).toHaveLength(1);
    const answer = (await client!.callTool({ name: "call_tool", arguments: { id: `${x().nodeId}/everything/echo`, arguments: { message: "found by the index" } } })) as unknown as {
      content: { text: string }[];
      _meta: Record<string, unknown>;
    };
    expect(answer.content[0]!.text).toContain("found by the index");
    expect(answer._meta["mcpfed/relay"]).toMatchObject({ provider: x().nodeId, route: "forwarded", cached: false });
    // Neither side peered: X served Y as a stranger.
    const peersOf = async (n: NodeProc) => (await json<{ peers: { id: string }[] }>(await n.admin("GET", "/peers"))).peers.map((p) => p.id);
    expect(await peersOf(y())).not.toContain(x().nodeId);
    expect(await peersOf(x())).not.toContain(y().nodeId);
  });
});
