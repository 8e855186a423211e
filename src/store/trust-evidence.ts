// The evidence trust scores are computed from, as the store holds it: decayed accumulators per
// peer (src/node/trust/evidence.ts does the arithmetic), and how far the ledger has been counted.
// Peers' signed evidence is in the registry (src/store/trust-entries.ts).
import { and, asc, eq, gt, inArray, or, sql } from "drizzle-orm";
import { chunks, type Database } from "./database.ts";
import { ledgerRecords, trustCursors, trustEvidence } from "./schema/index.ts";

export interface Accumulator {
  peer: string;
  kind: string;
  value: number;
  /** Unix seconds the value is as of. */
  at: number;
}

export async function accumulators(db: Database, peers?: readonly string[]): Promise<Accumulator[]> {
  if (peers === undefined) return db.select().from(trustEvidence).orderBy(asc(trustEvidence.peer), asc(trustEvidence.kind));
  const out: Accumulator[] = [];
  for (const chunk of chunks([...peers], 1)) out.push(...(await db.select().from(trustEvidence).where(inArray(trustEvidence.peer, chunk))));
  return out;
}

export async function putAccumulators(db: Database, rows: readonly Accumulator[]): Promise<void> {
  for (const chunk of chunks([...rows], 4)) {
    await db
      .insert(trustEvidence)
      .values(chunk)
      .onConflictDoUpdate({ target: [trustEvidence.peer, trustEvidence.kind], set: { value: sql`excluded.value`, at: sql`excluded.at` } });
  }
}

export async function dropAccumulators(db: Database, rows: readonly { peer: string; kind: string }[]): Promise<void> {
  for (const chunk of chunks([...rows], 2)) {
    await db.delete(trustEvidence).where(or(...chunk.map((r) => and(eq(trustEvidence.peer, r.peer), eq(trustEvidence.kind, r.kind)))));
  }
}

export async function cursor(db: Database, name: string): Promise<number | undefined> {
  const [row] = await db.select({ value: trustCursors.value }).from(trustCursors).where(eq(trustCursors.name, name));
  return row?.value;
}

export async function setCursor(db: Database, name: string, value: number): Promise<void> {
  await db.insert(trustCursors).values({ name, value }).onConflictDoUpdate({ target: trustCursors.name, set: { value } });
}

export interface SettledRecord {
  id: string;
  peer: string;
  status: "confirmed" | "disputed";
  /** Milliseconds, possibly fractional: the ledger cursor. */
  updatedAt: number;
  /** Milliseconds. */
  completedAt: number;
}

/** Records confirmed or disputed after `since` (their updatedAt), oldest first, at most `limit`. */
export async function settledSince(db: Database, since: number, limit: number): Promise<SettledRecord[]> {
  const t = ledgerRecords;
  const rows = await db
    .select({ id: t.id, peer: t.peer, status: t.status, updatedAt: t.updatedAt, completedAt: t.completedAt })
    .from(t)
    .where(and(gt(t.updatedAt, since), inArray(t.status, ["confirmed", "disputed"])))
    .orderBy(asc(t.updatedAt), asc(t.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, status: r.status as "confirmed" | "disputed" }));
}

/** Every record confirmed or disputed at exactly `updatedAt`: a batch's tail that shares its time. */
export async function settledAt(db: Database, updatedAt: number): Promise<SettledRecord[]> {
  const t = ledgerRecords;
  const rows = await db
    .select({ id: t.id, peer: t.peer, status: t.status, updatedAt: t.updatedAt, completedAt: t.completedAt })
    .from(t)
    .where(and(eq(t.updatedAt, updatedAt), inArray(t.status, ["confirmed", "disputed"])))
    .orderBy(asc(t.id));
  return rows.map((r) => ({ ...r, status: r.status as "confirmed" | "disputed" }));
}

/** The newest ledger update, or undefined for an empty ledger: where a new node starts counting. */
export async function ledgerHead(db: Database): Promise<number | undefined> {
  const [row] = await db.select({ at: sql<number | null>`max(${ledgerRecords.updatedAt})` }).from(ledgerRecords);
  return row?.at ?? undefined;
}
