// The discovery index over agent entries (protocol §17.2): per agent, its newest entry's trust,
// lease and tags, rebuilt from the registry each time one of its entries is stored, so that two
// entries arriving in any order leave the same row. Discovery is one indexed query; a lease past
// its end is filtered out when read, never by a timer.
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { chunks, type Database } from "./database.ts";
import { agentIndex, agentTags, registryEntries } from "./schema/index.ts";
import type { Entry, SignedEntry } from "../protocol/registry/entry.ts";
import { decodeHlc } from "../protocol/registry/hlc.ts";
import type { AgentBody } from "../protocol/registry/agent-entries.ts";

/** Brings the index up to date with the agents these stored entries are about. */
export async function reindexAgents(db: Database, stored: Entry[]): Promise<void> {
  // By origin, so that the registry's slot index (origin, kind, key, …) serves the read.
  const byOrigin = new Map<string, Set<string>>();
  for (const e of stored) {
    if (e.signed.kind !== "agent") continue;
    const keys = byOrigin.get(e.signed.origin) ?? new Set<string>();
    byOrigin.set(e.signed.origin, keys.add(e.signed.key));
  }
  // Half of what D1 binds per statement: origin and kind are two more parameters.
  for (const [origin, keys] of byOrigin) for (const part of chunks([...keys], 2)) {
    const rows = await db
      .select({ id: registryEntries.id, key: registryEntries.key, entry: registryEntries.entry })
      .from(registryEntries)
      .where(and(eq(registryEntries.origin, origin), eq(registryEntries.kind, "agent"), inArray(registryEntries.key, part)))
      .orderBy(asc(registryEntries.key), desc(registryEntries.hlc), asc(registryEntries.id));
    // Across both visibility slots, the entry the conflict rule picks: the first per key.
    const newest = new Map<string, { id: string; entry: string }>();
    for (const r of rows) if (!newest.has(r.key)) newest.set(r.key, r);
    const statements = [];
    for (const key of part) {
      const agent = key.slice("agent/".length);
      statements.push(db.delete(agentIndex).where(eq(agentIndex.agentId, agent)), db.delete(agentTags).where(eq(agentTags.agentId, agent)));
      const held = newest.get(key);
      const signed = held && (JSON.parse(held.entry) as SignedEntry);
      if (!held || !signed || signed.kind !== "agent" || signed.tombstone) continue;
      const body = signed.body as AgentBody;
      statements.push(db.insert(agentIndex).values({ agentId: agent, origin: signed.origin, name: body.name, entryId: held.id, hlc: signed.hlc, trust: body.trust, signedAt: decodeHlc(signed.hlc).wall, leaseUntil: body.leaseUntil }));
      if (body.capabilities.tags.length > 0) statements.push(db.insert(agentTags).values(body.capabilities.tags.map((tag) => ({ tag, agentId: agent, leaseUntil: body.leaseUntil }))));
    }
    await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  }
}

export interface AgentQuery {
  /** Capability tags wanted; an agent matches on any of them, or on all with `all`. */
  tags: string[];
  all?: boolean;
  /** Only agents their node trusts at least this much, percent. */
  minTrust?: number;
  origin?: string;
  limit: number;
  /** Milliseconds: leases ending at or before it are over. */
  now: number;
}

export interface FoundAgent {
  agentId: string;
  origin: string;
  name: string;
  trust: number;
  leaseUntil: number;
  matched: number;
  score: number;
  /** The signed entry, as canonical text. */
  entry: string;
}

/**
 * Live agents with the wanted tags, best first. score = match × trust × liveness, where match is
 * the share of wanted tags the agent has, trust its node's percent / 100, and liveness the share
 * of its lease still to run (1 just after a heartbeat, towards 0 as it nears its end).
 */
export async function discoverAgents(db: Database, q: AgentQuery): Promise<FoundAgent[]> {
  if (q.tags.length === 0) return [];
  const wanted = sql.join(q.tags.map((t) => sql`${t}`), sql`, `);
  const origin = q.origin !== undefined ? sql` AND a.origin = ${q.origin}` : sql``;
  const having = q.all ? sql` HAVING count(*) = ${q.tags.length}` : sql``;
  const rows = await db.all<Omit<FoundAgent, "entry"> & { entryId: string }>(sql`
    SELECT a.agent_id AS agentId, a.origin AS origin, a.name AS name, a.trust AS trust, a.lease_until AS leaseUntil,
      a.entry_id AS entryId, count(*) AS matched,
      (count(*) * 1.0 / ${q.tags.length}) * (a.trust / 100.0)
        * min(1.0, (a.lease_until - ${q.now}) * 1.0 / max(1, a.lease_until - a.signed_at)) AS score
    FROM ${agentTags} t JOIN ${agentIndex} a ON a.agent_id = t.agent_id
    WHERE t.tag IN (${wanted}) AND t.lease_until > ${q.now} AND a.trust >= ${q.minTrust ?? 0}${origin}
    GROUP BY a.agent_id${having}
    ORDER BY score DESC, a.agent_id
    LIMIT ${q.limit}`);
  if (rows.length === 0) return [];
  const entries = await db.select({ id: registryEntries.id, entry: registryEntries.entry }).from(registryEntries).where(inArray(registryEntries.id, rows.map((r) => r.entryId)));
  const byId = new Map(entries.map((e) => [e.id, e.entry]));
  return rows.flatMap(({ entryId, ...r }) => {
    const entry = byId.get(entryId);
    // An entry replaced between the two reads: the next discovery shows its successor.
    return entry === undefined ? [] : [{ ...r, matched: Number(r.matched), score: Math.round(Number(r.score) * 1e6) / 1e6, entry }];
  });
}

/** How many agents the index holds with a lease still running: the operator's count. */
export async function liveAgentCount(db: Database, now: number): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)` }).from(agentIndex).where(sql`${agentIndex.leaseUntil} > ${now}`);
  return Number(r?.n ?? 0);
}
