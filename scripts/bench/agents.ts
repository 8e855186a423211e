// discover() at scale: a node's database (libSQL file, WAL, migrated as a node's) holding 1,000,
// 10,000 and 100,000 agent entries from 50 origins, stored through the entry store so that the
// discovery index is kept as a node keeps it. Each agent has 4 tags out of 1,000 (a typical query
// matches ~0.4% of agents) and 10% also carry a common tag ("general"); 10% of leases have ended.
// Reports ingest time and discover() latency p50/p99 (limit 20) for 2, 4, 8 and 16 ordinary tags,
// the common tag alone and with ordinary ones, against the baseline of main's strategy before
// session 9 (below), the two alternating call by call in one run.
//
//   npx tsx scripts/bench/agents.ts          (AGENT_SIZES=1000,10000,100000 DISCOVER_CALLS=500)
//   AGENT_DB_DIR=dir: keep each size's database there, and reuse it on the next run (no ingest).
import { sha256Hex } from "../../src/protocol/encoding/hash.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { agentId } from "../../src/protocol/registry/agent-entries.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import type { Entry, SignedEntry } from "../../src/protocol/registry/entry.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { inArray, sql } from "drizzle-orm";
import { registryEntries } from "../../src/store/schema/index.ts";
import { discoverAgents, type AgentQuery } from "../../src/store/agent-index.ts";
import type { Database } from "../../src/store/database.ts";
import { openDatabaseFile, openTestDatabase } from "../../test/support/libsql.ts";
import { seeded } from "../../test/support/random.ts";
import { fmt, intEnv, machine, percentile, table } from "./lib.ts";

const TAGS = 1000;
const ORIGINS = Array.from({ length: 50 }, (_, i) => `n${String(i).padStart(3, "0")}aaaaaaaaaaaaaaaaaaaaaaaaaaaa`.slice(0, 32));

async function agentEntries(n: number, now: number): Promise<Entry[]> {
  // Seeded, so that every run stores the same agents.
  const r = seeded(n);
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

/** The agents are made as of this moment and queried as of it, so that a kept database stays valid. */
const NOW = 1_767_225_600_000;

/**
 * The baseline, main's strategy before session 9: a bounded count of the wanted tags' rows; at most
 * 1,024 scored in one statement joining each row to its agent, more read list by list best trust
 * first, one statement per list and round counting each row's matches; then the entries read.
 */
async function mainStrategy(db: Database, q: AgentQuery): Promise<unknown[]> {
  const wanted = sql.join(q.tags.map((t) => sql`${t}`), sql`, `);
  const [c] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM (SELECT 1 FROM agent_tags WHERE tag IN (${wanted}) LIMIT 1025)`);
  let ids: string[];
  if (Number(c!.n) <= 1024) {
    const rows = await db.all<{ entry_id: string }>(sql`
      SELECT a.agent_id, a.entry_id, count(*) AS matched,
        (count(*) * 1.0 / ${q.tags.length}) * (a.trust / 100.0) * min(1.0, (a.lease_until - ${q.now}) * 1.0 / max(1, a.lease_until - a.signed_at)) AS score
      FROM agent_tags t JOIN agent_index a ON a.agent_id = t.agent_id
      WHERE t.tag IN (${wanted}) AND t.lease_until > ${q.now} AND a.trust >= 0
      GROUP BY a.agent_id ORDER BY score DESC, a.agent_id LIMIT ${q.limit}`);
    ids = rows.map((r) => r.entry_id);
  } else {
    const lists = [...new Set(q.tags)].map((tag) => ({ tag, last: undefined as { trust: number; agentId: string } | undefined, done: false }));
    const seen = new Set<string>();
    let best: { agentId: string; entryId: string; score: number }[] = [];
    for (let page = 64; ; page *= 4) {
      for (const list of lists.filter((l) => !l.done)) {
        const after = list.last ? sql` AND (t.trust, t.agent_id) < (${list.last.trust}, ${list.last.agentId})` : sql``;
        const rows = await db.all<{ agentId: string; trust: number; leaseUntil: number; signedAt: number; entryId: string; matched: number }>(sql`
          SELECT t.agent_id AS agentId, t.trust AS trust, a.lease_until AS leaseUntil, a.signed_at AS signedAt, a.entry_id AS entryId,
            ${q.tags.length === 1 ? sql`1` : sql`(SELECT count(*) FROM agent_tags m WHERE m.agent_id = t.agent_id AND m.tag IN (${wanted}) AND m.lease_until > ${q.now})`} AS matched
          FROM agent_tags t JOIN agent_index a ON a.agent_id = t.agent_id
          WHERE t.tag = ${list.tag} AND t.lease_until > ${q.now} AND t.trust >= 0${after}
          ORDER BY t.trust DESC, t.agent_id DESC LIMIT ${page}`);
        list.done = rows.length < page;
        const last = rows.at(-1);
        if (last) list.last = { trust: Number(last.trust), agentId: last.agentId };
        for (const r of rows) {
          if (seen.has(r.agentId)) continue;
          seen.add(r.agentId);
          const live = Math.min(1, (Number(r.leaseUntil) - q.now) / Math.max(1, Number(r.leaseUntil) - Number(r.signedAt)));
          best.push({ agentId: r.agentId, entryId: r.entryId, score: (Number(r.matched) / q.tags.length) * (Number(r.trust) / 100) * live });
        }
      }
      best = best.sort((x, y) => y.score - x.score || (x.agentId < y.agentId ? -1 : 1)).slice(0, q.limit);
      const open = lists.filter((l) => !l.done);
      if (open.length === 0 || (best.length === q.limit && best.at(-1)!.score > Math.max(...open.map((l) => l.last!.trust)) / 100)) break;
    }
    ids = best.map((r) => r.entryId);
  }
  return ids.length === 0 ? [] : db.select().from(registryEntries).where(inArray(registryEntries.id, ids));
}

async function measure(size: number, calls: number): Promise<(string | number)[][]> {
  const dir = process.env.AGENT_DB_DIR;
  const file = dir ? join(dir, `agents-${size}.db`) : undefined;
  const kept = file !== undefined && existsSync(file);
  const { db, close } = file ? await openDatabaseFile(file) : await openTestDatabase();
  try {
    const now = NOW;
    const started = performance.now();
    if (!kept) {
      const entries = await agentEntries(size, now);
      const store = new EntryRepository(db);
      // Large batches: the index is kept per origin, so each batch has many agents of each origin.
      for (let i = 0; i < entries.length; i += 5000) await store.put(entries.slice(i, i + 5000), "bench");
    }
    const ingest = kept ? "kept" : fmt((performance.now() - started) / 1000, 1);
    const r = seeded(7);
    const rows: (string | number)[][] = [];
    const ordinary = (n: number) => Array.from({ length: n }, () => `t${Math.floor(r() * TAGS)}`);
    for (const [label, tags] of [
      ["2 ordinary tags", () => ordinary(2)],
      ["4 ordinary tags", () => ordinary(4)],
      ["8 ordinary tags", () => ordinary(8)],
      ["16 ordinary tags", () => ordinary(16)],
      ['"general" (10% of agents)', () => ["general"]],
      ['"general" and 1 ordinary tag', () => ["general", ...ordinary(1)]],
      ['"general" and 3 ordinary tags', () => ["general", ...ordinary(3)]],
    ] as const) {
      const head: number[] = [];
      const base: number[] = [];
      let found = 0;
      for (let i = 0; i < calls + 20; i++) {
        const q = { tags: tags(), limit: 20, now };
        const t0 = performance.now();
        const hits = await discoverAgents(db, q);
        const t1 = performance.now();
        await mainStrategy(db, q);
        const t2 = performance.now();
        // The first calls warm the page cache and prepared plans.
        if (i >= 20) {
          head.push(t1 - t0);
          base.push(t2 - t1);
          found += hits.length;
        }
      }
      head.sort((x, y) => x - y);
      base.sort((x, y) => x - y);
      const p50 = percentile(head, 50);
      rows.push([size.toLocaleString("en"), label, ingest, fmt(found / calls, 1), fmt(p50), fmt(percentile(head, 99)), fmt(percentile(base, 50)), fmt(percentile(base, 50) / p50, 1)]);
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
console.log(table(["agents", "query", "ingest s", "hits", "p50 ms", "p99 ms", "main's strategy p50 ms", "ratio"], rows));
