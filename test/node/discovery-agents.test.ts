// Agents in the index (protocol §20.1 `tag:` keys): the publisher lists this node's live public
// agents under each of their tags, from a real libSQL store, and drops one whose lease ended or
// that is not public; the asker's side ranks what verified records name as local discovery does.
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../../src/protocol/encoding/hash.ts";
import { agentId } from "../../src/protocol/registry/agent-entries.ts";
import type { Entry, SignedEntry, Visibility } from "../../src/protocol/registry/entry.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import type { IndexRecord } from "../../src/protocol/discovery/record.ts";
import { desiredKeys } from "../../src/node/discovery/publisher.ts";
import { searchAgentIndex } from "../../src/node/discovery/agent-search.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { memoryDb } from "../support/libsql.ts";

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
    active: async () => active,
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
