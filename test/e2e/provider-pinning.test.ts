// Provider pinning and reachability, across real node processes on loopback. B and C each front
// their own server-everything (separate processes, separate state), so their tools share
// fingerprints. A peers with B, B with C; A learns C's public tool by gossip before it peers with
// C. Where a call lands is read from the result's `_meta` and from C's own ledger.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../support/cli.ts";
import { connect } from "../support/mcp.ts";
import { eventually, json, loopbackNode, type NodeOptions, type NodeProc, startEverything, type Upstream } from "../support/processes.ts";

const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });

interface EntryView {
  origin: string;
  key: string;
  tombstone: boolean;
  replicable?: boolean;
}
interface Listed {
  name: string;
  _meta?: Record<string, unknown>;
}

const ECHO = "bravo_everything_echo";
const text = (r: unknown) => ((r as { content: { type: string; text: string }[] }).content[0]?.text ?? "");
const providerOf = (r: unknown) => ((r as { _meta?: Record<string, unknown> })._meta?.["mcpfed/relay"] as { provider: string }).provider;
const share = async (n: NodeProc, tool: string, extra: Record<string, unknown> = {}) => json(await n.admin("POST", "/shares", { tool, visibility: "peers", ...extra }));
const entriesAt = async (n: NodeProc) => (await json<{ entries: EntryView[] }>(await n.admin("GET", "/registry"))).entries;
/** The records C keeps of calls A made to it. */
const recordsAtCFromA = async () => (await json<{ records: unknown[] }>(await c.admin("GET", `/ledger/records?peer=${a.nodeId}&limit=1000`))).records.length;

let upB: Upstream;
let upC: Upstream;
let a: NodeProc;
let b: NodeProc;
let c: NodeProc;
let client: Client;

const listed = async (): Promise<Listed[]> => (await client.listTools()).tools as Listed[];
const echoToB = () => client.callTool({ name: ECHO, arguments: { message: "for bravo" } });
/** Waits until A holds B's and C's echo entries, each replicable or not as given. */
async function echoEntriesAtA(replicable: { b: boolean; c: boolean }) {
  await eventually(async () => {
    const entries = (await entriesAt(a)).filter((e) => e.key === "everything/echo" && !e.tombstone);
    expect(entries.find((e) => e.origin === b.nodeId)?.replicable).toBe(replicable.b);
    expect(entries.find((e) => e.origin === c.nodeId)?.replicable).toBe(replicable.c);
  }, 15_000);
}

beforeAll(async () => {
  // One after the other: three nodes starting at once on a busy machine can outlast startNode's wait.
  upB = await startEverything();
  upC = await startEverything();
  a = await openNode("alpha");
  // No node offers a route beyond a direct peer: C's tool is out of A's reach until they peer.
  b = await openNode("bravo", { env: { ROUTES_OFFER: "none" } });
  c = await openNode("charlie", { env: { ROUTES_OFFER: "none" } });
  for (const [n, up] of [[b, upB], [c, upC]] as const) {
    expect((await n.admin("POST", "/upstreams", { name: "everything", kind: "http", url: up.url })).status).toBe(201);
  }
  await json(await a.admin("POST", "/peers", { url: b.url }));
  await json(await b.admin("POST", "/peers", { url: c.url }));
  client = await connect(a.mcpUrl);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([a, b, c, upB, upC].map((n) => n?.stop()));
});

describe("a public tool this node cannot reach", () => {
  it("is not listed nor found while its origin is no peer of this node, is refused by id with the reason, and shows once peered", async () => {
    await share(c, "everything_get-sum", { visibility: "public" });
    // A holds C's entry, relayed by B: it knows the tool, and cannot call it.
    await eventually(async () => expect((await entriesAt(a)).some((e) => e.origin === c.nodeId && e.key === "everything/get-sum")).toBe(true), 15_000);
    expect((await listed()).filter((t) => t._meta?.["mcpfed/origin"] === c.nodeId)).toEqual([]);
    const found = await client.callTool({ name: "search_tools", arguments: { query: "sum" } });
    expect((found.structuredContent as { results: { origin: string }[] }).results.filter((r) => r.origin === c.nodeId)).toEqual([]);

    const id = `${c.nodeId}/everything/get-sum`;
    const refused = client.callTool({ name: "call_tool", arguments: { id, arguments: { a: 1, b: 2 } } });
    await expect(refused).rejects.toMatchObject({ code: -32010, data: { type: "peer_unreachable", origin: c.nodeId } });
    await expect(refused).rejects.toThrow(/cannot reach: no provider allowed for this tool is a direct peer, and no peer of this node offers to forward/);
    expect(await recordsAtCFromA()).toBe(0);

    // A route appears: A peers with C, and the tool is listed and callable.
    await json(await a.admin("POST", "/peers", { url: c.url }));
    await eventually(async () => expect((await listed()).map((t) => t.name)).toContain("charlie_everything_get-sum"), 10_000);
    const sum = await client.callTool({ name: "call_tool", arguments: { id, arguments: { a: 1, b: 2 } } });
    expect(text(sum)).toContain("3");
    expect(providerOf(sum)).toBe(c.nodeId);
  });
});

describe("provider pinning: B and C offer the same fingerprint", () => {
  beforeAll(async () => {
    // The test above peers A with C; this one must not hang on its outcome.
    const peers = (await json<{ peers: { id: string }[] }>(await a.admin("GET", "/peers"))).peers;
    if (!peers.some((p) => p.id === c.nodeId)) await json(await a.admin("POST", "/peers", { url: c.url }));
    await Promise.all([share(b, "everything_echo"), share(c, "everything_echo")]);
    await echoEntriesAtA({ b: false, c: false });
    await eventually(async () => expect((await listed()).map((t) => t.name)).toEqual(expect.arrayContaining([ECHO, "charlie_everything_echo"])), 10_000);
  }, 30_000);

  it("sends every call to B's tool to B", async () => {
    const fingerprints = new Set((await listed()).filter((t) => t.name.endsWith("_everything_echo")).map((t) => t._meta?.["mcpfed/fingerprint"]));
    expect(fingerprints.size).toBe(1);
    const before = await recordsAtCFromA();
    for (let i = 0; i < 8; i++) expect(providerOf(await echoToB())).toBe(b.nodeId);
    expect(await recordsAtCFromA()).toBe(before);
  });

  it("fails with an error naming B when B is down, and C never gets the call", async () => {
    await b.stop("SIGKILL");
    const before = await recordsAtCFromA();
    const call = echoToB();
    await expect(call).rejects.toThrow(/peer bravo: .*; bravo_everything_echo is served by bravo only/);
    await expect(call).rejects.toMatchObject({ data: { type: "peer_unavailable", peer: b.nodeId } });
    expect(await recordsAtCFromA()).toBe(before);
  });

  it("fails over to C while the operator groups B and C, and no longer once ungrouped", async () => {
    const env = { MCPFED_URL: a.url, ADMIN_TOKEN: a.adminToken };
    const grouped = await cli(["provider", "group", "echoes", "bravo", c.nodeId], env);
    expect(grouped.stderr).toBe("");
    expect(grouped.stdout).toContain("provider group echoes: bravo, charlie");
    expect((await cli(["provider", "groups"], env)).stdout).toMatch(/echoes\s+bravo, charlie/);
    const served = await echoToB();
    expect(text(served)).toBe("Echo: for bravo");
    expect(providerOf(served)).toBe(c.nodeId);

    expect((await cli(["provider", "ungroup", "echoes"], env)).stdout).toContain("removed provider group echoes");
    await expect(echoToB()).rejects.toThrow(/served by bravo only/);
  });

  it("refuses a group with a member that is no peer, naming it, and stores nothing", async () => {
    const res = await a.admin("PUT", "/provider-groups/strangers", { members: ["bravo", "nobody-here"] });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("not a peer of this node: nobody-here");
    expect((await a.admin("PUT", "/provider-groups/alone", { members: ["bravo"] })).status).toBe(400);
    expect((await a.admin("PUT", "/provider-groups/bad%20name", { members: ["bravo", "charlie"] })).status).toBe(400);
    expect(await json(await a.admin("GET", "/provider-groups"))).toEqual({ groups: [] });
  });

  it("fails over only when both B and C mark the tool replicable", async () => {
    b = await openNode("bravo", { port: b.port, dataDir: b.dataDir });
    await share(b, "everything_echo", { replicable: true });
    await echoEntriesAtA({ b: true, c: false });
    expect(providerOf(await echoToB())).toBe(b.nodeId);
    await b.stop("SIGKILL");
    // B vouches for its tool being replicable; C does not: C is not B's stand-in.
    await expect(echoToB()).rejects.toThrow(/served by bravo only/);

    await share(c, "everything_echo", { replicable: true });
    await echoEntriesAtA({ b: true, c: true });
    const served = await echoToB();
    expect(text(served)).toBe("Echo: for bravo");
    expect(providerOf(served)).toBe(c.nodeId);
  });
});
