// Agents in the index (protocol §20.1 `tag:` keys): the publisher lists this node's live public
// agents under each of their tags, from a real libSQL store, and drops one whose lease ended or
// that is not public; the asker's side ranks what verified records name as local discovery does.
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../../src/protocol/encoding/hash.ts";
import { agentId } from "../../src/protocol/registry/agent-entries.ts";
import type { Entry, SignedEntry, Visibility } from "../../src/protocol/registry/entry.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { INDEX_AGENTS_FEATURE, type IndexRecord } from "../../src/protocol/discovery/record.ts";
import { desiredKeys, republish } from "../../src/node/discovery/publisher.ts";
import { FeatureActivation } from "../../src/node/peers/feature-activation.ts";
import { searchAgentIndex } from "../../src/node/discovery/agent-search.ts";
import { NodePositions, positionOf, rendezvousOwners } from "../../src/protocol/discovery/placement.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { memoryDb } from "../support/libsql.ts";
import { unsignedFor } from "../support/entries.ts";

const NOW = 1_767_225_600_000;
const SELF = "s".repeat(32);

async function agent(name: string, o: { tags: string[]; trust?: number; leaseUntil?: number; visibility?: Visibility; tombstone?: boolean }): Promise<Entry> {
  const base = { origin: SELF, kind: "agent", key: `agent/${agentId(SELF, name)}`, visibility: o.visibility ?? "public", hlc: encodeHlc({ wall: NOW - 1000, counter: 0 }), sig: "AA" };
  const signed = (o.tombstone ? { ...base, tombstone: true } : { ...base, tombstone: false, body: { name, capabilities: { tags: o.tags, descriptors: [] }, endpoint: null, trust: o.trust ?? 50, leaseUntil: o.leaseUntil ?? NOW + 60_000 } }) as SignedEntry;
  const canonical = canonicalJson(signed);
  return { id: await sha256Hex(canonical), signed, canonical };
}

describe("the publisher's tag: keys", () => {
  it("lists each live public agent under each of its tags, and no others", async () => {
    const db = await memoryDb();
    await new EntryRepository(db).put(
      [
        await agent("translator", { tags: ["translate", "lang:de"], trust: 80 }),
        await agent("painter", { tags: ["paint", "translate"] }),
        await agent("ended", { tags: ["translate"], leaseUntil: NOW - 1 }),
        await agent("private", { tags: ["translate"], visibility: "peers" }),
      ],
      "local",
    );
    const keys = await desiredKeys(db, SELF, NOW);
    expect([...keys.keys()].sort()).toEqual(["tag:lang:de", "tag:paint", "tag:translate"]);
    expect(keys.get("tag:translate")).toEqual({
      tools: [],
      agents: [agentId(SELF, "painter"), agentId(SELF, "translator")].sort().map((id) => expect.objectContaining({ id })),
    });
    expect(keys.get("tag:lang:de")!.agents).toEqual([{ id: agentId(SELF, "translator"), name: "translator", tags: ["translate", "lang:de"], trust: 80, endpoint: null }]);
    // The lease ends: the agent leaves every key, so the next tick re-signs them without it.
    expect([...(await desiredKeys(db, SELF, NOW + 120_000)).keys()]).toEqual([]);
  });
});

describe("agent discovery through the index", () => {
  const record = (origin: string, key: string, agents: NonNullable<IndexRecord["agents"]>): IndexRecord => ({ v: 1, origin, key, url: `https://${origin}.example`, seq: 1, exp: 2, tools: [], agents, sig: "AA" });
  const a = (id: string, tags: string[], trust = 100) => ({ id: id.repeat(64), name: `agent-${id}`, tags, trust, endpoint: null });
  const found = (records: IndexRecord[], active = true) => ({
    agentsActive: async () => active,
    lookup: async (keys: string[]) => ({ records: new Map(keys.map((k) => [k, records.filter((r) => r.key === k)])), asked: 0, failed: 0, rounds: 1 }),
  });
  const records = [
    record("x", "tag:translate", [a("1", ["translate", "lang:de"], 50), a("2", ["translate"], 100)]),
    record("x", "tag:lang:de", [a("1", ["translate", "lang:de"], 50)]),
    record("y", "tag:translate", [a("3", ["translate"], 10)]),
    record("self", "tag:translate", [a("4", ["translate", "lang:de"], 100)]),
  ];

  it("ranks by tags matched × trust, once per agent, never this node's own", async () => {
    const hits = await searchAgentIndex(found(records) as never, "self", { tags: ["translate", "lang:de"], limit: 10 });
    expect(hits.map((h) => [h.name, h.node, h.matched, h.score, h.via])).toEqual([
      ["agent-1", "x", 2, 0.5, "index"],
      ["agent-2", "x", 1, 0.5, "index"],
      ["agent-3", "y", 1, 0.05, "index"],
    ]);
    expect(hits[0]!.url).toBe("https://x.example");
  });

  it("applies all, minimum trust, node and limit; asks nothing below the index's size", async () => {
    const q = { tags: ["translate", "lang:de"], limit: 10 };
    expect((await searchAgentIndex(found(records) as never, "self", { ...q, all: true })).map((h) => h.name)).toEqual(["agent-1"]);
    expect((await searchAgentIndex(found(records) as never, "self", { ...q, minTrust: 60 })).map((h) => h.name)).toEqual(["agent-2"]);
    expect((await searchAgentIndex(found(records) as never, "self", { ...q, origin: "y" })).map((h) => h.name)).toEqual(["agent-3"]);
    expect(await searchAgentIndex(found(records) as never, "self", { ...q, limit: 1 })).toHaveLength(1);
    expect(await searchAgentIndex(found(records, false) as never, "self", q)).toEqual([]);
  });
});

describe("index-agents as a pending feature (§20.5)", () => {
  const cards: { node: string; features: string[] }[] = [];
  const activation = new FeatureActivation({
    pending: [{ feature: INDEX_AGENTS_FEATURE, threshold: 0.5, hysteresis: 0.1 }],
    trustFloor: 0.1,
    cards: async () => cards,
    trust: { of: async () => ({ score: 0.5 }) as never },
  });
  const adopt = (n: number, of: number) => {
    cards.length = 0;
    for (let i = 0; i < of; i++) cards.push({ node: `n${i}`, features: i < n ? ["ping", INDEX_AGENTS_FEATURE] : ["ping"] });
  };

  it("turns on when the simulated adoption passes the threshold, off only below it less the hysteresis", async () => {
    adopt(4, 10);
    expect(await activation.on(INDEX_AGENTS_FEATURE)).toBe(false);
    adopt(5, 10);
    await activation.adoption();
    expect(await activation.on(INDEX_AGENTS_FEATURE)).toBe(true);
    adopt(4, 10);
    await activation.adoption();
    expect(await activation.on(INDEX_AGENTS_FEATURE)).toBe(true);
    adopt(3, 10);
    await activation.adoption();
    expect(await activation.on(INDEX_AGENTS_FEATURE)).toBe(false);
  });

  it("once on, sends tag: records only to holders that advertise it; the others still get the tool records", async () => {
    adopt(10, 10);
    await activation.adoption();
    const db = await memoryDb();
    const tool = { ...(await unsignedFor(SELF, { key: "demo/translate" })), sig: "AA" } as SignedEntry;
    const canonical = canonicalJson(tool);
    await new EntryRepository(db).put([await agent("translator", { tags: ["translate"] }), { id: await sha256Hex(canonical), signed: tool, canonical }], "local");
    const directory = Array.from({ length: 4 }, (_, i) => ({ id: `holder-${i}`, url: `https://h${i}.example` }));
    const old = new Set(["holder-0", "holder-1"]);
    const sent = new Map<string, string[]>();
    const { ed25519TestSigner } = await import("../support/ed25519.ts");
    const signer = (await ed25519TestSigner()).signer;
    await republish(
      {
        db,
        nodeId: SELF,
        now: () => NOW / 1000,
        signer: { ...signer, nodeId: SELF, sign: signer.sign },
        config: { index: { minNodes: 1, ttlSeconds: 3600, replicas: 4, rendezvousMax: 100_000 } as never, publicNode: true, publicUrl: new URL("https://self.example") },
        structure: "xor",
        agents: await activation.on(INDEX_AGENTS_FEATURE),
        takesAgents: (n) => activation.usableWith(INDEX_AGENTS_FEATURE, old.has(n.id) ? ["ping"] : ["ping", INDEX_AGENTS_FEATURE]),
        // Named from the directory: nothing is located.
        locate: async () => new Map(),
        publish: async (n, records) => {
          sent.set(n.id, [...(sent.get(n.id) ?? []), ...records.map((r) => r.key)]);
          return records.length;
        },
      },
      new NodePositions(directory),
    );
    expect([...sent.keys()].sort()).toEqual(directory.map((d) => d.id));
    for (const [holder, keys] of sent) {
      expect(keys.includes("tag:translate"), holder).toBe(!old.has(holder));
      expect(keys, holder).toEqual(expect.arrayContaining(["kw:translate", `node:${SELF}`]));
    }
  });
});

describe("republishing to the key's current owners", () => {
  /** With `located`, the directory is over INDEX_RENDEZVOUS_MAX (iterative): each key's owners are what its lookup found. */
  async function publisher(directory: { id: string; url: string }[], down: Set<string>, located?: (key: string) => { id: string; url: string }[], placement: "xor" | "rendezvous" = "xor") {
    const locating: string[][] = [];
    const db = await memoryDb();
    const tool = { ...(await unsignedFor(SELF, { key: "demo/translate" })), sig: "AA" } as SignedEntry;
    const canonical = canonicalJson(tool);
    await new EntryRepository(db).put([{ id: await sha256Hex(canonical), signed: tool, canonical }], "local");
    const { ed25519TestSigner } = await import("../support/ed25519.ts");
    const signer = (await ed25519TestSigner()).signer;
    const sent = new Map<string, string[]>();
    const port = {
      db,
      nodeId: SELF,
      now: () => NOW / 1000,
      signer: { ...signer, nodeId: SELF, sign: signer.sign },
      config: { index: { minNodes: 1, ttlSeconds: 3600, replicas: 2, rendezvousMax: located ? 1 : 100_000 } as never, publicNode: true, publicUrl: new URL("https://self.example") },
      structure: located ? ("kademlia" as const) : placement,
      agents: false,
      takesAgents: async () => false,
      locate: async (keys: string[]) => {
        locating.push(keys);
        return new Map(keys.map((k) => [k, located?.(k) ?? []]));
      },
      publish: async (n: { id: string }, records: IndexRecord[]) => {
        if (down.has(n.id)) throw new Error("unreachable");
        sent.set(n.id, [...(sent.get(n.id) ?? []), ...records.map((r) => r.key)]);
        return records.length;
      },
    };
    const tick = async () => {
      sent.clear();
      const report = await republish(port, new NodePositions(directory));
      return { report, sent: new Map(sent) };
    };
    return { tick, directory, locating };
  }
  const nodes = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `holder-${i}`, url: `https://h${i}.example` }));

  it("beyond INDEX_RENDEZVOUS_MAX, stores each key's records at the closest nodes its own lookup found, and locates a key again only while owners lack it", async () => {
    // Found by the lookup and in no directory this node holds: a sampled table knows few of a key's neighbours.
    const found = (key: string) => [{ id: `near-${key}-a`, url: "https://a.example" }, { id: `near-${key}-b`, url: "https://b.example" }];
    const down = new Set<string>();
    const { tick, locating } = await publisher(nodes(4), down, found);
    const first = await tick();
    const keys = locating[0]!;
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) for (const owner of found(key)) expect(first.sent.get(owner.id)).toContain(key);
    // Not the directory's closest: nodes(4) are never sent anything.
    expect([...first.sent.keys()].some((id) => id.startsWith("holder-"))).toBe(false);
    expect(first.report.failed).toBe(0);
    expect((await tick()).report).toMatchObject({ signed: 0, sent: 0 });
    expect(locating).toHaveLength(1);
  });

  it("retries a failed send on the next tick, and sends nothing once every owner holds its version", async () => {
    const down = new Set(["holder-1"]);
    const { tick } = await publisher(nodes(2), down);
    const first = await tick();
    expect(first.report.failed).toBeGreaterThan(0);
    expect([...first.sent.keys()]).toEqual(["holder-0"]);
    down.clear();
    const second = await tick();
    // Nothing re-signed: the same records, sent only where they failed.
    expect(second.report).toMatchObject({ signed: 0, failed: 0, sent: first.report.failed });
    expect([...second.sent.keys()]).toEqual(["holder-1"]);
    expect(second.sent.get("holder-1")!.sort()).toEqual(first.sent.get("holder-0")!.sort());
    expect((await tick()).report).toMatchObject({ signed: 0, sent: 0 });
  });

  it.each(["xor", "rendezvous"] as const)("sends a node that became responsible as the directory grew the records it lacks, without re-signing (%s)", async (placement) => {
    const { tick, directory } = await publisher(nodes(2), new Set(), undefined, placement);
    const first = await tick();
    expect(first.report).toMatchObject({ signed: first.report.keys, failed: 0 });
    directory.push(...nodes(12).slice(2));
    const grown = await tick();
    expect(grown.report.signed).toBe(0);
    expect(grown.report.sent).toBeGreaterThan(0);
    // Only the newcomers are sent anything, and only under keys they now rank among the owners of.
    for (const holder of grown.sent.keys()) expect(["holder-0", "holder-1"]).not.toContain(holder);
    const owners = (key: string) => (placement === "rendezvous" ? rendezvousOwners(key, directory.map((d) => d.id), 2) : new NodePositions(directory).closest(positionOf(key), 2).map((d) => d.id));
    for (const [holder, keys] of grown.sent) for (const key of keys) expect(owners(key)).toContain(holder);
    expect((await tick()).report).toMatchObject({ signed: 0, sent: 0 });
  });
});
