// The discovery index (src/store/agent-index.ts) on a real libSQL database, fed through the entry
// store as gossip feeds it: the rank (match × trust × liveness), "all" and minimum trust, leases
// that ended, an older heartbeat arriving after a newer one, and a tombstone; and that reading only
// the head of each tag's list answers exactly what scoring every match answers.
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

async function agent(name: string, o: { tags: string[]; trust: number; signedAt?: number; leaseUntil?: number; tombstone?: boolean; origin?: string }): Promise<Entry> {
  const signedAt = o.signedAt ?? NOW - 1000;
  const origin = o.origin ?? ORIGIN;
  const base = { origin, kind: "agent", key: `agent/${agentId(origin, name)}`, visibility: "peers", hlc: encodeHlc({ wall: signedAt, counter: 0 }), sig: "AA" };
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

  it("answers what scoring every match answers, for common and rare tags, all, minimum trust and origin", async () => {
    const db = await memoryDb();
    // A seeded generator: the same agents every run.
    let x = 17;
    const r = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x / 2 ** 32);
    const OTHER = "m".repeat(32);
    const specs = Array.from({ length: 600 }, (_, i) => {
      const tags = new Set([`t${Math.floor(r() * 40)}`, `t${Math.floor(r() * 40)}`]);
      if (r() < 0.6) tags.add("common");
      const signedAt = NOW - Math.floor(r() * 60_000);
      // A fifth of the leases have ended; some run with liveness 1, so scores tie.
      const leaseUntil = r() < 0.2 ? NOW - Math.floor(r() * 1000) : r() < 0.1 ? NOW + 1 : NOW + 1000 + Math.floor(r() * 120_000);
      return { name: `a${i}`, origin: r() < 0.2 ? OTHER : ORIGIN, tags: [...tags], trust: 1 + Math.floor(r() * 100), signedAt, leaseUntil };
    });
    const store = new EntryRepository(db);
    await store.put(await Promise.all(specs.map((sp) => agent(sp.name, sp))), "peer");
    const expected = (q: { tags: string[]; all?: boolean; minTrust?: number; origin?: string; limit: number }, now: number) =>
      specs
        .map((sp) => ({ sp, id: agentId(sp.origin, sp.name), matched: sp.tags.filter((t) => q.tags.includes(t)).length }))
        .filter(({ sp, matched }) => matched > 0 && (!q.all || matched === q.tags.length) && sp.leaseUntil > now && sp.trust >= (q.minTrust ?? 0) && (q.origin === undefined || sp.origin === q.origin))
        .map(({ sp, id, matched }) => ({ id, score: ((matched * 1.0) / q.tags.length) * (sp.trust / 100) * Math.min(1, (sp.leaseUntil - now) / Math.max(1, sp.leaseUntil - sp.signedAt)) }))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        .slice(0, q.limit)
        .map((a) => a.id);
    const queries = [
      { tags: ["common"], limit: 5 },
      { tags: ["common"], limit: 20 },
      { tags: ["common"], limit: 100 },
      { tags: ["common", "t3"], limit: 10 },
      { tags: ["common", "t3"], all: true, limit: 10 },
      { tags: ["t7", "t8", "t9"], limit: 10 },
      { tags: ["common"], minTrust: 90, limit: 10 },
      { tags: ["common"], origin: OTHER, limit: 10 },
      { tags: ["absent"], limit: 10 },
    ];
    for (const now of [NOW, NOW + 30_000])
      for (const q of queries) expect((await discoverAgents(db, { ...q, now })).map((f) => f.agentId), JSON.stringify({ q, now })).toEqual(expected(q, now));
  });
});
