// The discovery index (src/store/agent-index.ts) on a real libSQL database, fed through the entry
// store as gossip feeds it: the rank (match × trust × liveness), "all" and minimum trust, leases
// that ended, an older heartbeat arriving after a newer one, and a tombstone.
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../../src/protocol/encoding/hash.ts";
import { agentId } from "../../src/protocol/registry/agent-entries.ts";
import type { Entry, SignedEntry } from "../../src/protocol/registry/entry.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { discoverAgents } from "../../src/store/agent-index.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { memoryDb } from "../support/libsql.ts";

const NOW = 1_767_225_600_000;
const ORIGIN = "n".repeat(32);

async function agent(name: string, o: { tags: string[]; trust: number; signedAt?: number; leaseUntil?: number; tombstone?: boolean }): Promise<Entry> {
  const signedAt = o.signedAt ?? NOW - 1000;
  const base = { origin: ORIGIN, kind: "agent", key: `agent/${agentId(ORIGIN, name)}`, visibility: "peers", hlc: encodeHlc({ wall: signedAt, counter: 0 }), sig: "AA" };
  const signed = (o.tombstone ? { ...base, tombstone: true } : { ...base, tombstone: false, body: { name, capabilities: { tags: o.tags, descriptors: [] }, endpoint: null, trust: o.trust, leaseUntil: o.leaseUntil ?? NOW + 9000 } }) as SignedEntry;
  const canonical = canonicalJson(signed);
  return { id: await sha256Hex(canonical), signed, canonical };
}

describe("agent discovery index", () => {
  it("ranks by match × trust × liveness, filters by all and minimum trust, and leaves out ended leases", async () => {
    const db = await memoryDb();
    const store = new EntryRepository(db);
    await store.put(
      [
        await agent("both", { tags: ["translate", "de"], trust: 50 }),
        await agent("one-trusted", { tags: ["translate"], trust: 100 }),
        await agent("one-stale", { tags: ["translate"], trust: 100, signedAt: NOW - 9000, leaseUntil: NOW + 1000 }),
        await agent("ended", { tags: ["translate", "de"], trust: 100, leaseUntil: NOW }),
        await agent("other", { tags: ["paint"], trust: 100 }),
      ],
      "peer",
    );
    const found = await discoverAgents(db, { tags: ["translate", "de"], limit: 10, now: NOW });
    // both: 1 × 0.5 × 0.9; one-trusted: 0.5 × 1 × 0.9; one-stale: 0.5 × 1 × 0.1.
    expect(found.map((f) => [f.name, f.score])).toEqual([
      ["both", 0.45],
      ["one-trusted", 0.45],
      ["one-stale", 0.05],
    ].sort((a, b) => (b[1] as number) - (a[1] as number) || (agentId(ORIGIN, a[0] as string) < agentId(ORIGIN, b[0] as string) ? -1 : 1)));
    expect((await discoverAgents(db, { tags: ["translate", "de"], all: true, limit: 10, now: NOW })).map((f) => f.name)).toEqual(["both"]);
    expect((await discoverAgents(db, { tags: ["translate"], minTrust: 60, limit: 10, now: NOW })).map((f) => f.name).sort()).toEqual(["one-stale", "one-trusted"]);
    expect(await discoverAgents(db, { tags: ["translate"], limit: 10, now: NOW + 10_000 })).toEqual([]);
  });

  it("keeps the newest heartbeat whatever the arrival order, and drops the agent on its tombstone", async () => {
    const db = await memoryDb();
    const store = new EntryRepository(db);
    const newer = await agent("a", { tags: ["x"], trust: 80, signedAt: NOW - 10, leaseUntil: NOW + 60_000 });
    const older = await agent("a", { tags: ["x", "y"], trust: 80, signedAt: NOW - 500, leaseUntil: NOW + 1000 });
    await store.put([newer], "peer");
    await store.put([older], "peer");
    const [only] = await discoverAgents(db, { tags: ["x", "y"], limit: 10, now: NOW });
    expect(only).toMatchObject({ name: "a", leaseUntil: NOW + 60_000, matched: 1 });
    await store.put([await agent("a", { tags: [], trust: 0, signedAt: NOW, tombstone: true })], "peer");
    expect(await discoverAgents(db, { tags: ["x"], limit: 10, now: NOW })).toEqual([]);
  });
});
