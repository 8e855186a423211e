// The index records this node holds (src/store/schema/discovery-index.ts): conditional writes, so
// that several processes on one store keep the newest version of each, and bounded reads.
import { and, count, desc, eq, gt, inArray, lte, ne, or, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { indexDeliveries, indexRecords } from "./schema/index.ts";

export interface HeldIndexRecord {
  key: string;
  origin: string;
  seq: number;
  expires: number;
  record: string;
  content: string;
}

export type IndexPutFate = "stored" | "stale" | "quota";

export interface IndexCaps {
  /** Records one origin may hold here (its own aside). */
  perOrigin: number;
  /** Records one key may hold here: a common word cannot fill the node. */
  perKey: number;
}

/** Stores one record unless a newer one of its key and origin is held, or a cap is reached. */
export async function putIndexRecord(db: Database, row: HeldIndexRecord, caps: IndexCaps, now: number): Promise<IndexPutFate> {
  const same = and(eq(indexRecords.key, row.key), eq(indexRecords.origin, row.origin));
  const [held] = await db.select({ seq: indexRecords.seq, expires: indexRecords.expires }).from(indexRecords).where(same);
  if (held && held.expires > now) {
    if (held.seq >= row.seq) return "stale";
    await db.update(indexRecords).set(row).where(and(same, lte(indexRecords.seq, row.seq)));
    return "stored";
  }
  const [[{ n: byOrigin } = { n: 0 }], [{ n: byKey } = { n: 0 }]] = await Promise.all([
    db.select({ n: count() }).from(indexRecords).where(and(eq(indexRecords.origin, row.origin), gt(indexRecords.expires, now))),
    db.select({ n: count() }).from(indexRecords).where(and(eq(indexRecords.key, row.key), gt(indexRecords.expires, now))),
  ]);
  if (byOrigin >= caps.perOrigin || byKey >= caps.perKey) return "quota";
  await db.insert(indexRecords).values(row).onConflictDoUpdate({ target: [indexRecords.key, indexRecords.origin], set: row });
  return "stored";
}

/** Live records under `keys`, newest first, at most `limit`. */
export async function indexRecordsFor(db: Database, keys: string[], now: number, limit: number): Promise<HeldIndexRecord[]> {
  if (keys.length === 0) return [];
  return db
    .select()
    .from(indexRecords)
    .where(and(inArray(indexRecords.key, keys), gt(indexRecords.expires, now)))
    .orderBy(desc(indexRecords.seq))
    .limit(limit);
}

/** The records `origin` (this node) published, live or not. */
export async function ownIndexRecords(db: Database, origin: string): Promise<HeldIndexRecord[]> {
  return db.select().from(indexRecords).where(eq(indexRecords.origin, origin));
}

/** Forgets this node's own records under keys it no longer provides; elsewhere they expire. */
export async function dropOwnIndexRecords(db: Database, origin: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.delete(indexRecords).where(and(eq(indexRecords.origin, origin), inArray(indexRecords.key, keys)));
}

/** Deletes others' records past their expiry; returns how many. This node's own are kept until replaced. */
export async function pruneIndexRecords(db: Database, self: string, now: number): Promise<number> {
  const gone = await db.delete(indexRecords).where(and(lte(indexRecords.expires, now), ne(indexRecords.origin, self))).returning({ key: indexRecords.key });
  return gone.length;
}

export interface IndexDelivery {
  key: string;
  owner: string;
  seq: number;
}

/** Which responsible nodes hold which version of this node's own records. */
export async function indexDeliveriesHeld(db: Database): Promise<IndexDelivery[]> {
  return db.select().from(indexDeliveries);
}

// D1 binds at most 100 parameters per statement: 3 per delivery row.
const ROWS_PER_STATEMENT = 30;

/** Records that `owner` now holds version `seq` of each key. */
export async function markDelivered(db: Database, rows: IndexDelivery[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    await db
      .insert(indexDeliveries)
      .values(chunk)
      .onConflictDoUpdate({ target: [indexDeliveries.key, indexDeliveries.owner], set: { seq: sql`excluded.seq` } });
  }
}

/** Forgets deliveries of keys no longer published, or to nodes no longer responsible for them. */
export async function forgetDeliveries(db: Database, rows: Pick<IndexDelivery, "key" | "owner">[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    await db.delete(indexDeliveries).where(or(...chunk.map(({ key, owner }) => and(eq(indexDeliveries.key, key), eq(indexDeliveries.owner, owner)))));
  }
}
