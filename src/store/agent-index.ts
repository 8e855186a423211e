// The discovery index over agent entries (protocol §17.2): per agent, its newest entry's trust,
// lease and tags, rebuilt from the registry each time one of its entries is stored, so that two
// entries arriving in any order leave the same row. Discovery ranks on the tag rows alone (each
// carries what its agent's score is made of), reading a single long list best trust first; a lease
// past its end is filtered out when read, never by a timer.
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
      const ranked = { trust: body.trust, signedAt: decodeHlc(signed.hlc).wall, leaseUntil: body.leaseUntil };
      statements.push(db.insert(agentIndex).values({ agentId: agent, origin: signed.origin, name: body.name, entryId: held.id, hlc: signed.hlc, ...ranked }));
      if (body.capabilities.tags.length > 0) statements.push(db.insert(agentTags).values(body.capabilities.tags.map((tag) => ({ tag, agentId: agent, ...ranked }))));
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

type Scored = Pick<FoundAgent, "agentId" | "trust" | "leaseUntil" | "matched" | "score">;

/** Rows of a long list read in the first round; each later round reads four times as many. */
const FIRST_PAGE = 64;

/**
 * Live agents with the wanted tags, best first. score = match × trust × liveness, where match is
 * the share of wanted tags the agent has, trust its node's percent / 100, and liveness the share
 * of its lease still to run (1 just after a heartbeat, towards 0 as it nears its end).
 *
 * Every tag row carries its agent's trust, signing time and lease, so a query is scored on the tag
 * index alone, with no row of the agent's read until the best are known. Several tags: every match
 * is scored, in one statement (an agent deep in every list may have the most matches, so no list
 * can be cut short). One tag whose list is long: read best trust first, as no score exceeds
 * trust / 100, stopping once `limit` agents score above the last trust read.
 */
export async function discoverAgents(db: Database, query: AgentQuery): Promise<FoundAgent[]> {
  // A tag asked twice counts once: `matched` and `all` compare against the distinct tags.
  const q = { ...query, tags: [...new Set(query.tags)] };
  if (q.tags.length === 0) return [];
  const best = q.tags.length === 1 && !(await isShort(db, q.tags[0]!)) ? await headFirst(db, q.tags[0]!, q) : await everyMatch(db, q);
  if (best.length === 0) return [];
  const details = await db
    .select({ agentId: agentIndex.agentId, origin: agentIndex.origin, name: agentIndex.name, entry: registryEntries.entry })
    .from(agentIndex)
    .innerJoin(registryEntries, eq(registryEntries.id, agentIndex.entryId))
    .where(inArray(agentIndex.agentId, best.map((r) => r.agentId)));
  const byId = new Map(details.map((d) => [d.agentId, d]));
  return best.flatMap((r) => {
    const d = byId.get(r.agentId);
    // An agent replaced or removed between the two reads: the next discovery shows its successor.
    return d === undefined ? [] : [{ ...r, origin: d.origin, name: d.name, score: Math.round(r.score * 1e6) / 1e6, entry: d.entry }];
  });
}

// One tag's list: head first beyond this many rows (a common tag's head costs ~1 ms at 100k agents), every row scored below.
export const SHORT_LISTS = 1024;

/** Whether a tag's list holds at most SHORT_LISTS rows: a count bounded by it, read from the index. */
async function isShort(db: Database, tag: string): Promise<boolean> {
  const [r] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM (SELECT 1 FROM ${agentTags} WHERE tag = ${tag} LIMIT ${SHORT_LISTS + 1})`);
  return Number(r?.n ?? 0) <= SHORT_LISTS;
}

/** Only the given origin's agents, when asked: its index row joined. */
const ofOrigin = (q: AgentQuery) => (q.origin !== undefined ? sql` JOIN ${agentIndex} a ON a.agent_id = t.agent_id AND a.origin = ${q.origin}` : sql``);

const liveness = (q: AgentQuery, leaseUntil: SQL, signedAt: SQL) => sql`min(1.0, (${leaseUntil} - ${q.now}) * 1.0 / max(1, ${leaseUntil} - ${signedAt}))`;

/** Every matching agent scored and ranked on the tag index, in one statement. */
async function everyMatch(db: Database, q: AgentQuery): Promise<Scored[]> {
  const wanted = sql.join(q.tags.map((t) => sql`${t}`), sql`, `);
  const having = q.all ? sql` HAVING count(*) = ${q.tags.length}` : sql``;
  // An agent's rows are written together, so they agree on trust, lease and signing time.
  const rows = await db.all<Scored>(sql`
    SELECT t.agent_id AS agentId, max(t.trust) AS trust, max(t.lease_until) AS leaseUntil, count(*) AS matched,
      (count(*) * 1.0 / ${q.tags.length}) * (max(t.trust) / 100.0) * ${liveness(q, sql`max(t.lease_until)`, sql`max(t.signed_at)`)} AS score
    FROM ${agentTags} t${ofOrigin(q)}
    WHERE t.tag IN (${wanted}) AND t.lease_until > ${q.now} AND t.trust >= ${q.minTrust ?? 0}
    GROUP BY t.agent_id${having}
    ORDER BY score DESC, t.agent_id
    LIMIT ${q.limit}`);
  return rows.map((r) => ({ agentId: r.agentId, trust: Number(r.trust), leaseUntil: Number(r.leaseUntil), matched: Number(r.matched), score: Number(r.score) }));
}

/** One long list, read best trust first in rounds until no unread agent can rank. */
async function headFirst(db: Database, tag: string, q: AgentQuery): Promise<Scored[]> {
  let best: Scored[] = [];
  let last: { trust: number; agentId: string } | undefined;
  for (let page = FIRST_PAGE; ; page *= 4) {
    const after = last ? sql` AND (t.trust, t.agent_id) < (${last.trust}, ${last.agentId})` : sql``;
    const rows = await db.all<Scored>(sql`
      SELECT t.agent_id AS agentId, t.trust AS trust, t.lease_until AS leaseUntil, 1 AS matched,
        (t.trust / 100.0) * ${liveness(q, sql`t.lease_until`, sql`t.signed_at`)} AS score
      FROM ${agentTags} t${ofOrigin(q)}
      WHERE t.tag = ${tag} AND t.lease_until > ${q.now} AND t.trust >= ${q.minTrust ?? 0}${after}
      ORDER BY t.trust DESC, t.agent_id DESC
      LIMIT ${page}`);
    const read = rows.map((r) => ({ agentId: r.agentId, trust: Number(r.trust), leaseUntil: Number(r.leaseUntil), matched: 1, score: Number(r.score) }));
    best = [...best, ...read].sort(byRank).slice(0, q.limit);
    const end = read.at(-1);
    if (read.length < page || !end) return best;
    last = { trust: end.trust, agentId: end.agentId };
    if (best.length === q.limit && best.at(-1)!.score > end.trust / 100) return best;
  }
}

/** As discovery orders them: score, then agent id. */
const byRank = (a: Scored, b: Scored) => b.score - a.score || (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);

/** How many agents the index holds with a lease still running: the operator's count. */
export async function liveAgentCount(db: Database, now: number): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)` }).from(agentIndex).where(sql`${agentIndex.leaseUntil} > ${now}`);
  return Number(r?.n ?? 0);
}
