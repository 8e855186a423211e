// What this node keeps of its own agents and intents beyond their registry entries: who
// registered or declared each, so that only that principal may change it, and the per-principal
// count the intent limit reads. Offers are read from the registry.
import { and, desc, eq, gt, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { agentIndex, declaredIntents, registeredAgents, registryEntries } from "./schema/index.ts";
import type { Entry, SignedEntry } from "../protocol/registry/entry.ts";

export async function agentRegistrant(db: Database, agentId: string): Promise<string | undefined> {
  const [r] = await db.select({ principal: registeredAgents.principal }).from(registeredAgents).where(eq(registeredAgents.agentId, agentId));
  return r?.principal;
}

/** The agents registered here, by name, with their index row's trust and lease (null once deregistered). */
export async function registeredAgentList(db: Database): Promise<{ agentId: string; name: string; principal: string; trust: number | null; leaseUntil: number | null }[]> {
  return db
    .select({ agentId: registeredAgents.agentId, name: registeredAgents.name, principal: registeredAgents.principal, trust: agentIndex.trust, leaseUntil: agentIndex.leaseUntil })
    .from(registeredAgents)
    .leftJoin(agentIndex, eq(agentIndex.agentId, registeredAgents.agentId))
    .orderBy(registeredAgents.name);
}

/** Records the registrant unless another principal holds the agent; returns the holder. */
export async function claimAgent(db: Database, row: { agentId: string; name: string; principal: string }): Promise<string> {
  await db.insert(registeredAgents).values(row).onConflictDoNothing();
  return (await agentRegistrant(db, row.agentId))!;
}

/**
 * Holds a place for a new intent of `principal` if it has fewer than `limit` open ones: the count
 * and the insert are one statement, so two requests (in two isolates, say) cannot both pass at
 * the limit. The entry id is filled in once the entry is signed (`settleDeclaredIntent`).
 */
export async function reserveDeclaredIntent(db: Database, row: { key: string; principal: string; expires: number }, limit: number, now: number): Promise<boolean> {
  const open = db
    .select({ n: sql<number>`count(*)` })
    .from(declaredIntents)
    .where(and(eq(declaredIntents.principal, row.principal), eq(declaredIntents.withdrawn, false), gt(declaredIntents.expires, now)));
  const inserted = await db
    .insert(declaredIntents)
    .select(db.select({ key: sql`${row.key}`.as("key"), entryId: sql`''`.as("entry_id"), principal: sql`${row.principal}`.as("principal"), expires: sql`${row.expires}`.as("expires"), withdrawn: sql`0`.as("withdrawn") }).from(sql`(SELECT 1)`).where(sql`(${open}) < ${limit}`))
    .returning({ key: declaredIntents.key });
  return inserted.length === 1;
}

export async function settleDeclaredIntent(db: Database, key: string, entryId: string): Promise<void> {
  await db.update(declaredIntents).set({ entryId }).where(eq(declaredIntents.key, key));
}

/** Gives a reserved place back (its entry could not be published). */
export async function releaseDeclaredIntent(db: Database, key: string): Promise<void> {
  await db.delete(declaredIntents).where(eq(declaredIntents.key, key));
}

export interface DeclaredIntent {
  key: string;
  entryId: string;
  principal: string;
  expires: number;
  withdrawn: boolean;
}

export async function declaredIntent(db: Database, by: { key: string } | { entryId: string }): Promise<DeclaredIntent | undefined> {
  const [r] = await db
    .select()
    .from(declaredIntents)
    .where("key" in by ? eq(declaredIntents.key, by.key) : eq(declaredIntents.entryId, by.entryId));
  return r;
}

/** The intents declared here, newest deadline first, each with its signed entry (canonical JSON); at most `limit`. */
export async function declaredIntentsWithEntries(db: Database, limit: number): Promise<(DeclaredIntent & { entry: string | null })[]> {
  return db
    .select({
      key: declaredIntents.key,
      entryId: declaredIntents.entryId,
      principal: declaredIntents.principal,
      expires: declaredIntents.expires,
      withdrawn: declaredIntents.withdrawn,
      entry: registryEntries.entry,
    })
    .from(declaredIntents)
    .leftJoin(registryEntries, eq(registryEntries.id, declaredIntents.entryId))
    .orderBy(desc(declaredIntents.expires), declaredIntents.key)
    .limit(limit);
}

export async function markIntentWithdrawn(db: Database, key: string): Promise<void> {
  await db.update(declaredIntents).set({ withdrawn: true }).where(eq(declaredIntents.key, key));
}

/** The entry stored under this id, whatever its kind, or undefined. */
export async function entryById(db: Database, id: string): Promise<Entry | undefined> {
  const [r] = await db.select({ id: registryEntries.id, entry: registryEntries.entry }).from(registryEntries).where(eq(registryEntries.id, id));
  return r && { id: r.id, canonical: r.entry, signed: JSON.parse(r.entry) as SignedEntry };
}

/** Per origin, the newest entry of `kind` under `key` (across both visibility slots), live ones only. */
export async function liveEntriesAt(db: Database, kind: string, key: string, origin?: string): Promise<Entry[]> {
  const rows = await db
    .select({ id: registryEntries.id, entry: registryEntries.entry, origin: registryEntries.origin, tombstone: registryEntries.tombstone })
    .from(registryEntries)
    .where(and(eq(registryEntries.kind, kind), eq(registryEntries.key, key), origin === undefined ? undefined : eq(registryEntries.origin, origin)))
    .orderBy(registryEntries.origin, desc(registryEntries.hlc), registryEntries.id);
  const seen = new Set<string>();
  const out: Entry[] = [];
  for (const r of rows) {
    if (seen.has(r.origin)) continue;
    seen.add(r.origin);
    if (!r.tombstone) out.push({ id: r.id, canonical: r.entry, signed: JSON.parse(r.entry) as SignedEntry });
  }
  return out;
}
