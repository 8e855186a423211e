// The discovery index over agent entries (protocol §17.2): per agent, its newest entry's trust,
// lease and tags, rebuilt from the registry each time one of its entries is stored, so that two
// entries arriving in any order leave the same row. Discovery scores every match when the wanted
// tags' lists are short, and otherwise reads each list best trust first and scores only its head; a
// lease past its end is filtered out when read, never by a timer.
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

type Scored = Omit<FoundAgent, "entry"> & { entryId: string };

/** Rows of each tag's list read in the first round; each later round reads four times as many. */
const FIRST_PAGE = 64;

/** Where a tag's list has been read to: its last row, in the list's order (trust, then id, both descending). */
interface ListCursor {
  tag: string;
  last: { trust: number; agentId: string } | undefined;
  done: boolean;
}

/**
 * Live agents with the wanted tags, best first. score = match × trust × liveness, where match is
 * the share of wanted tags the agent has, trust its node's percent / 100, and liveness the share
 * of its lease still to run (1 just after a heartbeat, towards 0 as it nears its end).
 *
 * Short lists (SHORT_LISTS rows together) are scored whole in one statement. Otherwise, as no
 * score exceeds trust / 100 (match and liveness are at most 1), each wanted tag's list is read best
 * trust first, four times more rows each round, each row scored as it is read. Reading
 * stops once `limit` agents score above the trust of every list's last row read: no agent not yet
 * read can rank among them. A common tag's 10,000 matches cost a few hundred rows.
 */
export async function discoverAgents(db: Database, q: AgentQuery): Promise<FoundAgent[]> {
  if (q.tags.length === 0) return [];
  const best = (await listsAreShort(db, q)) ? await everyMatch(db, q) : await headFirst(db, q);
  if (best.length === 0) return [];
  const entries = await db.select({ id: registryEntries.id, entry: registryEntries.entry }).from(registryEntries).where(inArray(registryEntries.id, best.map((r) => r.entryId)));
  const byId = new Map(entries.map((e) => [e.id, e.entry]));
  return best.flatMap(({ entryId, ...r }) => {
    const entry = byId.get(entryId);
    // An entry replaced between the two reads: the next discovery shows its successor.
    return entry === undefined ? [] : [{ ...r, score: Math.round(r.score * 1e6) / 1e6, entry }];
  });
}

// Scoring every match costs ~7 µs a row at 100k agents, so 1,024 rows stay under the 10 ms goal; a common tag's head costs ~6 ms.
export const SHORT_LISTS = 1024;

/** Whether the wanted tags' lists hold at most SHORT_LISTS rows together: a count bounded by it, read from the index. */
async function listsAreShort(db: Database, q: AgentQuery): Promise<boolean> {
  const wanted = sql.join(q.tags.map((t) => sql`${t}`), sql`, `);
  const [r] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM (SELECT 1 FROM ${agentTags} WHERE tag IN (${wanted}) LIMIT ${SHORT_LISTS + 1})`);
  return Number(r?.n ?? 0) <= SHORT_LISTS;
}

/** Short lists: every matching agent scored and sorted in one statement. */
async function everyMatch(db: Database, q: AgentQuery): Promise<Scored[]> {
  const wanted = sql.join(q.tags.map((t) => sql`${t}`), sql`, `);
  const origin = q.origin !== undefined ? sql` AND a.origin = ${q.origin}` : sql``;
  const having = q.all ? sql` HAVING count(*) = ${q.tags.length}` : sql``;
  const rows = await db.all<Scored>(sql`
    SELECT a.agent_id AS agentId, a.origin AS origin, a.name AS name, a.trust AS trust, a.lease_until AS leaseUntil,
      a.entry_id AS entryId, count(*) AS matched,
      (count(*) * 1.0 / ${q.tags.length}) * (a.trust / 100.0)
        * min(1.0, (a.lease_until - ${q.now}) * 1.0 / max(1, a.lease_until - a.signed_at)) AS score
    FROM ${agentTags} t JOIN ${agentIndex} a ON a.agent_id = t.agent_id
    WHERE t.tag IN (${wanted}) AND t.lease_until > ${q.now} AND a.trust >= ${q.minTrust ?? 0}${origin}
    GROUP BY a.agent_id${having}
    ORDER BY score DESC, a.agent_id
    LIMIT ${q.limit}`);
  return rows.map((r) => ({ ...r, trust: Number(r.trust), leaseUntil: Number(r.leaseUntil), matched: Number(r.matched), score: Number(r.score) }));
}

/** Long lists: each read best trust first in rounds, until no unread agent can rank. */
async function headFirst(db: Database, q: AgentQuery): Promise<Scored[]> {
  // With `all`, an agent has every wanted tag, so any one list holds every candidate.
  const lists: ListCursor[] = (q.all ? q.tags.slice(0, 1) : [...new Set(q.tags)]).map((tag) => ({ tag, last: undefined, done: false }));
  const read = new Set<string>();
  let best: Scored[] = [];
  for (let page = FIRST_PAGE; ; page *= 4) {
    for (const list of lists.filter((l) => !l.done)) {
      const rows = await headOf(db, list, q, page);
      list.done = rows.length < page;
      const last = rows.at(-1);
      if (last) list.last = { trust: last.trust, agentId: last.agentId };
      for (const r of rows) {
        if (read.has(r.agentId)) continue;
        read.add(r.agentId);
        if (!q.all || r.matched === q.tags.length) best.push(r);
      }
    }
    best = best.sort(byRank).slice(0, q.limit);
    const open = lists.filter((l) => !l.done);
    if (open.length === 0) return best;
    const bound = Math.max(...open.map((l) => l.last!.trust)) / 100;
    if (best.length === q.limit && best.at(-1)!.score > bound) return best;
  }
}

/** As discovery orders them: score, then agent id. */
const byRank = (a: Scored, b: Scored) => b.score - a.score || (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);

/**
 * The next rows of a tag's list after its cursor, best trust first: live agents passing the
 * filters, each with how many wanted tags it has (one, when one is wanted) and its score.
 */
async function headOf(db: Database, list: ListCursor, q: AgentQuery, page: number): Promise<Scored[]> {
  const wanted = sql.join(q.tags.map((t) => sql`${t}`), sql`, `);
  const matched = q.tags.length === 1 ? sql`1` : sql`(SELECT count(*) FROM ${agentTags} m WHERE m.agent_id = t.agent_id AND m.tag IN (${wanted}) AND m.lease_until > ${q.now})`;
  const origin = q.origin !== undefined ? sql` AND a.origin = ${q.origin}` : sql``;
  const after = list.last ? sql` AND (t.trust, t.agent_id) < (${list.last.trust}, ${list.last.agentId})` : sql``;
  const rows = await db.all<{ agentId: string; origin: string; name: string; trust: number; leaseUntil: number; signedAt: number; entryId: string; matched: number }>(sql`
    SELECT t.agent_id AS agentId, a.origin AS origin, a.name AS name, t.trust AS trust, a.lease_until AS leaseUntil,
      a.signed_at AS signedAt, a.entry_id AS entryId, ${matched} AS matched
    FROM ${agentTags} t JOIN ${agentIndex} a ON a.agent_id = t.agent_id
    WHERE t.tag = ${list.tag} AND t.lease_until > ${q.now} AND t.trust >= ${q.minTrust ?? 0}${after}${origin}
    ORDER BY t.trust DESC, t.agent_id DESC
    LIMIT ${page}`);
  return rows.map(({ signedAt, ...r }) => {
    const [n, trust, leaseUntil] = [Number(r.matched), Number(r.trust), Number(r.leaseUntil)];
    const liveness = Math.min(1, (leaseUntil - q.now) / Math.max(1, leaseUntil - Number(signedAt)));
    return { ...r, trust, leaseUntil, matched: n, score: (n / q.tags.length) * (trust / 100) * liveness };
  });
}

/** How many agents the index holds with a lease still running: the operator's count. */
export async function liveAgentCount(db: Database, now: number): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)` }).from(agentIndex).where(sql`${agentIndex.leaseUntil} > ${now}`);
  return Number(r?.n ?? 0);
}
