// The audit trail as stored: append-only rows, each naming the hash of the row before.
import { and, asc, desc, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import type { Database } from "../database.ts";
import { auditLog } from "../schema/access.ts";

export type AuditRow = typeof auditLog.$inferSelect;
export type AuditDecision = AuditRow["decision"];

export async function auditHead(db: Database): Promise<{ seq: number; hash: string } | undefined> {
  return (await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1))[0];
}

/** Appends rows in one batch; fails as a whole when another writer took one of their seqs or prev hashes. */
export async function insertAuditRows(db: Database, rows: AuditRow[]): Promise<void> {
  const [first, ...rest] = rows.map((r) => db.insert(auditLog).values(r));
  await db.batch([first!, ...rest]);
}

/** Up to `limit` rows from `seq` on, oldest first. */
export function auditRowsFrom(db: Database, seq: number, limit: number): Promise<AuditRow[]> {
  return db.select().from(auditLog).where(gte(auditLog.seq, seq)).orderBy(asc(auditLog.seq)).limit(limit);
}

export interface AuditQuery {
  limit: number;
  /** Entries whose action starts with this. */
  action?: string | undefined;
  actor?: string | undefined;
  /** Entries before this sequence number (the next page of the newest-first list). */
  before?: number | undefined;
  targets?: string[] | undefined;
}

/** Newest first. */
export function listAudit(db: Database, q: AuditQuery): Promise<AuditRow[]> {
  const where: SQL[] = [];
  if (q.action) where.push(sql`substr(${auditLog.action}, 1, ${q.action.length}) = ${q.action}`);
  if (q.actor) where.push(eq(auditLog.actor, q.actor));
  if (q.before !== undefined) where.push(lt(auditLog.seq, q.before));
  if (q.targets) where.push(inArray(auditLog.target, q.targets.length ? q.targets : [""]));
  return db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.seq))
    .limit(q.limit);
}
