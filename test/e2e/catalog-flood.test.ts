// Catalog flooding by one peer (issue 10, finding 5), against real node processes on loopback:
// an active peer pushes far more public entries than any operator shares, signed as itself, in
// gossip's own exchange message. Its share of the registry is bounded; other origins' tools stay
// listed and searchable.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import { unsignedFor, type EntrySpec } from "../support/entries.ts";
import { connect } from "../support/mcp.ts";
import { json, loopbackNode, type NodeProc } from "../support/processes.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";
import { stranger, type Stranger } from "../support/stranger.ts";

interface RegistryView {
  entries: { origin: string; tombstone: boolean }[];
  metrics: { rejected: Record<string, number> };
}

let full: NodeProc; // CATALOG_MODE=full, small quotas
let search: NodeProc; // CATALOG_MODE=search, the default quotas
const peers: Stranger[] = [];
const clients: Client[] = [];

/** A peer of `node`: an origin that said hello, under the open policy. */
async function peerOf(node: NodeProc, name: string): Promise<Stranger> {
  const s = await stranger({ name, serve: true });
  peers.push(s);
  const hello = await s.hello(node);
  expect(await hello.answer(await hello.post())).toMatchObject({ ok: true, result: { state: "active" } });
  return s;
}

/** Pushes entries signed by `from` to `node` in one exchange message; the number refused. */
async function push(from: Stranger, node: NodeProc, specs: EntrySpec[]): Promise<number> {
  const entries = await Promise.all(specs.map(async (spec) => (await signEntry(await unsignedFor(from.id, { wall: Date.now() - 60_000, ...spec }), from.entrySigner)).signed));
  const request = await sealAs({ seed: from.seed, id: from.id }, node, "exchange", { entries });
  const answer = await openedAnswer(request, await request.post());
  expect(answer.ok, JSON.stringify(answer)).toBe(true);
  return (answer.result as { refused: number }).refused;
}

const registryOf = async (n: NodeProc) => json<RegistryView>(await n.admin("GET", "/registry"));
const held = async (n: NodeProc, origin: string) => (await registryOf(n)).entries.filter((e) => e.origin === origin);

beforeAll(async () => {
  [full, search] = await Promise.all([
    loopbackNode("full", { env: { PEER_POLICY: "open", MAX_ENTRIES_PER_ORIGIN: "20", MAX_ENTRY_BYTES_PER_ORIGIN: "200000" } }),
    loopbackNode("search", { env: { PEER_POLICY: "open", CATALOG_MODE: "search" } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([full, search].map((n) => n?.stop()));
  await Promise.all(peers.map((s) => s.close()));
});

describe("one peer flooding the registry", () => {
  it("holds at most MAX_ENTRIES_PER_ORIGIN of its entries, refuses the rest with a counted reason, and lists the others' tools", async () => {
    const honest = await peerOf(full, "honest");
    const flood = await peerOf(full, "flood");
    expect(await push(honest, full, [{ key: "demo/lookup" }])).toBe(0);

    const refused = await push(flood, full, Array.from({ length: 60 }, (_, i) => ({ key: `spam/tool-${i}` })));
    expect(refused).toBe(40);
    expect(await held(full, flood.id)).toHaveLength(20);
    expect((await registryOf(full)).metrics.rejected.origin_entries).toBe(40);

    const client = await connect(full.mcpUrl);
    clients.push(client);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names.filter((n) => n.startsWith("flood_"))).toHaveLength(20);
    expect(names).toContain("honest_demo_lookup");

    // At its quota, the origin can still withdraw, and then share again within it.
    expect(await push(flood, full, [{ key: "spam/tool-0", tombstone: true }, { key: "spam/replacement" }, { key: "spam/one-more" }])).toBe(1);
    const live = (await held(full, flood.id)).filter((e) => !e.tombstone);
    expect(live).toHaveLength(20);
  });

  it("holds at most MAX_ENTRY_BYTES_PER_ORIGIN of its bytes", async () => {
    const bulky = await peerOf(full, "bulky");
    // About 17 KB each: a dozen fit in 200,000 bytes, well under the 20 entries.
    const refused = await push(bulky, full, Array.from({ length: 15 }, (_, i) => ({ key: `bulk/tool-${i}`, description: "x".repeat(12_000) })));
    const kept = await held(full, bulky.id);
    expect(refused).toBe(15 - kept.length);
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.length).toBeLessThan(15);
    expect((await registryOf(full)).metrics.rejected.origin_bytes).toBe(refused);
  });
});

describe("search mode", () => {
  it("never lets one origin push another's tools out of search_tools", async () => {
    const honest = await peerOf(search, "honest");
    const flood = await peerOf(search, "flood");
    await push(honest, search, [{ key: "demo/forecast", description: "Weather forecast for a city" }]);
    // Every flood tool outranks the honest one on its own: "weather" in its name and description.
    await push(flood, search, Array.from({ length: 30 }, (_, i) => ({ key: `spam/weather-${i}`, description: "weather weather forecast" })));
    const client = await connect(search.mcpUrl);
    clients.push(client);
    const listed = (await client.listTools()).tools.map((t) => t.name);
    expect(listed.filter((n) => n.startsWith("flood_"))).toEqual([]);
    const found = await client.callTool({ name: "search_tools", arguments: { query: "weather forecast", limit: 5 } });
    const results = (found.structuredContent as { results: { name: string; origin: string }[] }).results;
    expect(results).toHaveLength(5);
    expect(results.map((r) => r.origin)).toContain(honest.id);
    expect(results.filter((r) => r.origin === flood.id)).toHaveLength(4);
  });
});
