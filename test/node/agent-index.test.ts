// The discovery index (src/store/agent-index.ts) on a real libSQL database, fed through the entry
// store as gossip feeds it: the rank (match × trust × liveness), "all" and minimum trust, leases
// that ended, an older heartbeat arriving after a newer one, and a tombstone; and both ways of
// ranking (every match scored; a single long list read head first), for one to 16 tags and mixes
// of a long list with short ones, against a brute-force ranking of every agent.
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../../src/protocol/encoding/hash.ts";
import { agentId } from "../../src/protocol/registry/agent-entries.ts";
import type { Entry, SignedEntry } from "../../src/protocol/registry/entry.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { discoverAgents, SHORT_LISTS } from "../../src/store/agent-index.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { memoryDb } from "../support/libsql.ts";
import { seeded } from "../support/random.ts";

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
    // A tag asked twice counts once.
    expect(await discoverAgents(db, { tags: ["translate", "de", "de"], all: true, limit: 10, now: NOW })).toEqual(await discoverAgents(db, { tags: ["translate", "de"], all: true, limit: 10, now: NOW }));
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

  // Many ties in trust, leases of every length, some ended: each query reads its lists in rounds,
  // and must give exactly what scoring every agent gives.
  it("ranks exactly as scoring every agent does, whatever the tags, filters, limit and time", async () => {
    const db = await memoryDb();
    const r = seeded(17);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    // 20 ordinary tags (~120 rows each) and one most agents carry (~1,080 rows, a long list).
    const TAGS = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const ORIGINS = ["m".repeat(32), "n".repeat(32), "o".repeat(32)];
    const made: { id: string; name: string; origin: string; tags: string[]; trust: number; signedAt: number; leaseUntil: number }[] = [];
    for (let i = 0; i < 1200; i++) {
      const tags = [...new Set([pick(TAGS), pick(TAGS), pick(TAGS)])].slice(0, 1 + Math.floor(r() * 3));
      if (r() < 0.9) tags.push("common");
      const a = { name: `agent-${i}`, origin: pick(ORIGINS), tags, trust: 10 * (1 + Math.floor(r() * 10)), signedAt: NOW - Math.floor(r() * 60_000), leaseUntil: NOW + Math.floor(r() * 120_000) - 20_000 };
      made.push({ ...a, id: agentId(a.origin, a.name) });
    }
    const entries = await Promise.all(made.map((a) => agent(a.name, a)));
    for (let i = 0; i < entries.length; i += 200) await new EntryRepository(db).put(entries.slice(i, i + 200), "peer");

    const bruteForce = (q: { tags: string[]; all?: boolean; minTrust?: number; origin?: string; limit: number; now: number }) =>
      made
        .filter((a) => a.leaseUntil > q.now && a.trust >= (q.minTrust ?? 0) && (q.origin === undefined || a.origin === q.origin))
        .map((a) => {
          const matched = a.tags.filter((t) => q.tags.includes(t)).length;
          const score = (matched / q.tags.length) * (a.trust / 100) * Math.min(1, (a.leaseUntil - q.now) / Math.max(1, a.leaseUntil - a.signedAt));
          return { id: a.id, matched, score };
        })
        .filter((a) => a.matched > 0 && (!q.all || a.matched === q.tags.length))
        .sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1))
        .slice(0, q.limit)
        .map((a) => [a.id, Math.round(a.score * 1e6) / 1e6]);

    // Every shape: one ordinary tag, the long list alone (read head first), 4, 8 and 16 ordinary
    // tags, and the long list among ordinary ones; then random ones of each, with filters.
    const ordinary = (n: number) => [...new Set(Array.from({ length: n }, () => pick(TAGS)))];
    const queries: { tags: string[]; all?: boolean; minTrust?: number; origin?: string; limit: number; now: number }[] = [
      { tags: ["t0"], limit: 20, now: NOW },
      { tags: ["common"], limit: 20, now: NOW },
      { tags: ordinary(4), limit: 20, now: NOW },
      { tags: ordinary(8), limit: 20, now: NOW },
      { tags: TAGS.slice(0, 16), limit: 20, now: NOW },
      { tags: ["common", ...ordinary(3)], limit: 20, now: NOW },
    ];
    for (let i = 0; i < 80; i++) {
      const n = pick([1, 2, 4, 8, 16]);
      queries.push({
        tags: pick([["common"], ordinary(n), ["common", ...ordinary(n)]]),
        limit: pick([1, 5, 20, 100]),
        now: NOW + Math.floor(r() * 40_000),
        ...(r() < 0.3 ? { all: true } : {}),
        ...(r() < 0.3 ? { minTrust: pick([30, 70, 100]) } : {}),
        ...(r() < 0.3 ? { origin: pick(ORIGINS) } : {}),
      });
    }
    // Both strategies: a single long list read head first, and every match scored.
    const listRows = (tag: string) => made.filter((a) => a.tags.includes(tag)).length;
    const headFirst = (q: { tags: string[] }) => q.tags.length === 1 && listRows(q.tags[0]!) > SHORT_LISTS;
    expect(queries.filter(headFirst).length).toBeGreaterThan(5);
    expect(queries.filter((q) => !headFirst(q) && q.tags.length >= 4).length).toBeGreaterThan(10);
    for (const q of queries) {
      const found = await discoverAgents(db, q);
      expect(found.map((f) => [f.agentId, f.score]), JSON.stringify(q)).toEqual(bruteForce(q));
    }
  }, 120_000);
});
