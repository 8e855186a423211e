// The discovery index over agent entries (protocol §17.2): per agent, its newest entry's trust,
// lease and tags, rebuilt from the registry each time one of its entries is stored, so that two
// entries arriving in any order leave the same row. Discovery is one indexed query; a lease past
// its end is filtered out when read, never by a timer.
import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
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
      if (body.capabilities.tags.length > 0) statements.push(db.insert(agentTags).values(body.capabilities.tags.map((tag) => ({ tag, agentId: agent, leaseUntil: body.leaseUntil, trust: body.trust }))));
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
 * How deep, as multiples of the limit, each wanted tag's list is read before discovery falls back
 * to scoring every match: two rounds, then the whole.
 */
const HEAD_DEPTHS = [4, 32];

/** A ranked agent before its entry is read. */
export type RankedAgent = Omit<FoundAgent, "entry"> & { entryId: string };

/**
 * Live agents with the wanted tags, best first. score = match × trust × liveness, where match is
 * the share of wanted tags the agent has, trust its node's percent / 100, and liveness the share
 * of its lease still to run (1 just after a heartbeat, towards 0 as it nears its end).
 *
 * A common tag matches thousands of agents, so scoring them all is what costs. Neither match nor
 * liveness exceeds 1, so no agent scores above its trust / 100: each wanted tag's list is read in
 * trust order (agent_tags_rank) to a bounded depth, only the agents read there are scored, and the
 * answer stands when its last agent scores above every unread agent's bound (the highest trust
 * next in any list), or when the lists are read to their end. Otherwise a deeper round, and after
 * the last every match is scored: the answer is always the one scoring all matches gives.
 */
export async function discoverAgents(db: Database, q: AgentQuery): Promise<FoundAgent[]> {
  if (q.tags.length === 0) return [];
  const rows = await rankAgents(db, q);
  if (rows.length === 0) return [];
  const entries = await db.select({ id: registryEntries.id, entry: registryEntries.entry }).from(registryEntries).where(inArray(registryEntries.id, rows.map((r) => r.entryId)));
  const byId = new Map(entries.map((e) => [e.id, e.entry]));
  return rows.flatMap(({ entryId, ...r }) => {
    const entry = byId.get(entryId);
    // An entry replaced between the two reads: the next discovery shows its successor.
    return entry === undefined ? [] : [{ ...r, matched: Number(r.matched), score: Math.round(Number(r.score) * 1e6) / 1e6, entry }];
  });
}

/** The ranking discovery answers, without the entries: from the lists' heads when that is exact, else from every match. */
export async function rankAgents(db: Database, q: AgentQuery): Promise<RankedAgent[]> {
  for (const depth of HEAD_DEPTHS) {
    const rows = await fromHeads(db, q, depth * q.limit);
    if (rows) return rows;
  }
  return rankEveryMatch(db, q);
}

/** The ranking over the agents in the first `depth` rows of each wanted tag's list; undefined when it may differ from the whole's. */
async function fromHeads(db: Database, q: AgentQuery, depth: number): Promise<RankedAgent[] | undefined> {
  const minTrust = q.minTrust ?? 0;
  const list = (tag: string) => sql`FROM ${agentTags} WHERE tag = ${tag} AND trust >= ${minTrust} ORDER BY trust DESC, agent_id DESC`;
  // Lease ends are checked on the rows read, so a list of ended leases costs its depth, no more.
  const heads = sql.join(q.tags.map((t) => sql`SELECT agent_id FROM (SELECT agent_id, lease_until ${list(t)} LIMIT ${depth}) WHERE lease_until > ${q.now}`), sql` UNION `);
  const next = sql.join(q.tags.map((t) => sql`SELECT (SELECT trust ${list(t)} LIMIT 1 OFFSET ${depth}) AS trust`), sql` UNION ALL `);
  // Two statements, not one batch: D1's batch takes no raw statement with parameters.
  const rows = await db.all<RankedAgent>(rankedQuery(q, sql` AND t.agent_id IN (${heads})`));
  const [bound] = await db.all<{ open: number; top: number | null }>(sql`SELECT count(trust) AS open, max(trust) AS top FROM (${next})`);
  const open = Number(bound?.open ?? 0);
  // Every list read to its end; or, with "all", one of them: an agent must be in each.
  if (open === 0 || (q.all === true && open < q.tags.length)) return rows;
  const last = rows[q.limit - 1];
  return last !== undefined && Number(last.score) > Number(bound!.top) / 100 ? rows : undefined;
}

/** The ranking with every match scored: the fallback, and the baseline scripts/bench/agents.ts measures. */
export function rankEveryMatch(db: Database, q: AgentQuery): Promise<RankedAgent[]> {
  return db.all<RankedAgent>(rankedQuery(q, sql``));
}

function rankedQuery(q: AgentQuery, candidates: SQL): SQL {
  const wanted = sql.join(q.tags.map((t) => sql`${t}`), sql`, `);
  const origin = q.origin !== undefined ? sql` AND a.origin = ${q.origin}` : sql``;
  const having = q.all ? sql` HAVING count(*) = ${q.tags.length}` : sql``;
  return sql`
    SELECT a.agent_id AS agentId, a.origin AS origin, a.name AS name, a.trust AS trust, a.lease_until AS leaseUntil,
      a.entry_id AS entryId, count(*) AS matched,
      (count(*) * 1.0 / ${q.tags.length}) * (a.trust / 100.0)
        * min(1.0, (a.lease_until - ${q.now}) * 1.0 / max(1, a.lease_until - a.signed_at)) AS score
    FROM ${agentTags} t JOIN ${agentIndex} a ON a.agent_id = t.agent_id
    WHERE t.tag IN (${wanted}) AND t.lease_until > ${q.now} AND a.trust >= ${q.minTrust ?? 0}${origin}${candidates}
    GROUP BY a.agent_id${having}
    ORDER BY score DESC, a.agent_id
    LIMIT ${q.limit}`;
}

/** How many agents the index holds with a lease still running: the operator's count. */
export async function liveAgentCount(db: Database, now: number): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)` }).from(agentIndex).where(sql`${agentIndex.leaseUntil} > ${now}`);
  return Number(r?.n ?? 0);
}
