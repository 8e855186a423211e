// discover() at scale: a node's database (libSQL file, WAL, migrated as a node's) holding 1,000,
// 10,000 and 100,000 agent entries from 50 origins, stored through the entry store so that the
// discovery index is kept as a node keeps it. Each agent has 4 tags out of 1,000 (a typical query
// matches ~0.4% of agents) and 10% also carry a common tag ("general"); 10% of leases have ended.
// Reports ingest time and discover() latency p50/p99 for a query of two ordinary tags and for the
// common tag (limit 20 in both).
//
//   npx tsx scripts/bench/agents.ts          (AGENT_SIZES=1000,10000,100000 DISCOVER_CALLS=500)
import { sha256Hex } from "../../src/protocol/encoding/hash.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { agentId } from "../../src/protocol/registry/agent-entries.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import type { Entry, SignedEntry } from "../../src/protocol/registry/entry.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { discoverAgents } from "../../src/store/agent-index.ts";
import { openTestDatabase } from "../../test/support/libsql.ts";
import { fmt, intEnv, machine, percentile, table } from "./lib.ts";

const TAGS = 1000;
const ORIGINS = Array.from({ length: 50 }, (_, i) => `n${String(i).padStart(3, "0")}aaaaaaaaaaaaaaaaaaaaaaaaaaaa`.slice(0, 32));

/** A seeded generator, so that every run stores the same agents. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function agentEntries(n: number, now: number): Promise<Entry[]> {
  const r = rng(n);
  const out: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const origin = ORIGINS[i % ORIGINS.length]!;
    const name = `agent-${i}`;
    const tags = new Set<string>();
    while (tags.size < 4) tags.add(`t${Math.floor(r() * TAGS)}`);
    if (r() < 0.1) tags.add("general");
    const signedAt = now - Math.floor(r() * 60_000);
    const leaseUntil = r() < 0.1 ? now - 1000 : now + 60_000 + Math.floor(r() * 600_000);
    // The store does not verify: the bench measures discovery, not signatures.
    const signed = { origin, kind: "agent", key: `agent/${agentId(origin, name)}`, visibility: "peers", hlc: encodeHlc({ wall: signedAt, counter: 0 }), tombstone: false, body: { name, capabilities: { tags: [...tags], descriptors: [] }, endpoint: null, trust: 1 + Math.floor(r() * 100), leaseUntil }, sig: "AA" } as SignedEntry;
    const canonical = canonicalJson(signed);
    out.push({ id: await sha256Hex(canonical), signed, canonical });
  }
  return out;
}

async function measure(size: number, calls: number): Promise<(string | number)[][]> {
  const { db, close } = await openTestDatabase();
  try {
    const now = Date.now();
    const entries = await agentEntries(size, now);
    const store = new EntryRepository(db);
    const started = performance.now();
    for (let i = 0; i < entries.length; i += 200) await store.put(entries.slice(i, i + 200), "bench");
    const ingestMs = performance.now() - started;
    const r = rng(7);
    const rows: (string | number)[][] = [];
    for (const [label, tags] of [
      ["2 ordinary tags", () => [`t${Math.floor(r() * TAGS)}`, `t${Math.floor(r() * TAGS)}`]],
      ['"general" (10% of agents)', () => ["general"]],
    ] as const) {
      const samples: number[] = [];
      let found = 0;
      for (let i = 0; i < calls + 20; i++) {
        const t0 = performance.now();
        // As of when the agents were made: ingest can take longer than their leases under load.
        const hits = await discoverAgents(db, { tags: tags(), limit: 20, now });
        const ms = performance.now() - t0;
        // The first calls warm the page cache and prepared plans.
        if (i >= 20) {
          samples.push(ms);
          found += hits.length;
        }
      }
      samples.sort((x, y) => x - y);
      rows.push([size.toLocaleString("en"), label, fmt(ingestMs / 1000, 1), fmt(found / calls, 1), fmt(percentile(samples, 50)), fmt(percentile(samples, 99))]);
    }
    return rows;
  } finally {
    close();
  }
}

const sizes = (process.env.AGENT_SIZES ?? "1000,10000,100000").split(",").map(Number);
const calls = intEnv("DISCOVER_CALLS", 500);
const rows: (string | number)[][] = [];
for (const size of sizes) rows.push(...(await measure(size, calls)));
console.log(`discover() on ${machine()}, ${calls} calls per row\n`);
console.log(table(["agents", "query", "ingest s", "hits", "p50 ms", "p99 ms"], rows));
