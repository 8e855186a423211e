// The quarantines table: nodes this node holds apart, by the operator's decision or by warnings.
import { eq, inArray } from "drizzle-orm";
import { chunks, type Database } from "./database.ts";
import { quarantines } from "./schema/index.ts";

export type QuarantineRow = typeof quarantines.$inferSelect;

export function listQuarantines(db: Database): Promise<QuarantineRow[]> {
  return db.select().from(quarantines).orderBy(quarantines.createdAt);
}

export async function getQuarantine(db: Database, nodeId: string): Promise<QuarantineRow | undefined> {
  const [row] = await db.select().from(quarantines).where(eq(quarantines.nodeId, nodeId));
  return row;
}

/** The operator quarantines a node, or lets it out: either way the row is the operator's from now on. */
export async function setByOperator(db: Database, nodeId: string, status: QuarantineRow["status"], reason: string): Promise<QuarantineRow> {
  const values = { source: "operator" as const, status, reason, createdAt: Date.now() };
  const [row] = await db.insert(quarantines).values({ nodeId, ...values }).onConflictDoUpdate({ target: quarantines.nodeId, set: values }).returning();
  return row!;
}

export async function deleteQuarantine(db: Database, nodeId: string): Promise<boolean> {
  return (await db.delete(quarantines).where(eq(quarantines.nodeId, nodeId)).returning({ id: quarantines.nodeId })).length > 0;
}

/**
 * Makes the warnings' rows match `warned` (node → reason): quarantines the newly warned, leaves the
 * operator's rows alone, and deletes the warnings' rows and the operator's releases of nodes no
 * longer warned (nothing is left to release them from). Returns the nodes newly quarantined.
 */
export async function syncWarned(db: Database, warned: ReadonlyMap<string, string>): Promise<string[]> {
  const rows = await listQuarantines(db);
  const gone = rows.filter((r) => !warned.has(r.nodeId) && (r.source === "warnings" || r.status === "released")).map((r) => r.nodeId);
  for (const c of chunks(gone, 1)) await db.delete(quarantines).where(inArray(quarantines.nodeId, c));
  const held = new Set(rows.map((r) => r.nodeId));
  const fresh = [...warned.keys()].filter((id) => !held.has(id));
  const at = Date.now();
  const values = fresh.map((nodeId) => ({ nodeId, source: "warnings" as const, status: "quarantined" as const, reason: warned.get(nodeId)!, createdAt: at }));
  for (const c of chunks(values, 5)) await db.insert(quarantines).values(c).onConflictDoNothing();
  return fresh;
}
