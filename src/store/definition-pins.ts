// The accepted tool definitions of each upstream and the changes waiting for the operator.
import { and, desc, eq, ne } from "drizzle-orm";
import { chunks, type Database } from "./database.ts";
import { definitionChanges, definitionPinModes, definitionPins, type PinnedDefinition } from "./schema/index.ts";

export type { PinnedDefinition } from "./schema/index.ts";
export type PinRow = typeof definitionPins.$inferSelect;
export type DefinitionChangeRow = typeof definitionChanges.$inferSelect;
export type NewPin = typeof definitionPins.$inferInsert;
export type NewDefinitionChange = Omit<typeof definitionChanges.$inferInsert, "id" | "status" | "decidedAt">;

export function pinsOf(db: Database, upstream: string): Promise<PinRow[]> {
  return db.select().from(definitionPins).where(eq(definitionPins.upstream, upstream));
}

export async function isStrict(db: Database, upstream: string): Promise<boolean> {
  const [row] = await db.select({ strict: definitionPinModes.strict }).from(definitionPinModes).where(eq(definitionPinModes.upstream, upstream));
  return row?.strict ?? false;
}

export async function setStrict(db: Database, upstream: string, strict: boolean): Promise<void> {
  await db.insert(definitionPinModes).values({ upstream, strict }).onConflictDoUpdate({ target: definitionPinModes.upstream, set: { strict } });
}

/** First sight: a pin another writer made meanwhile stands. */
export async function insertPins(db: Database, rows: NewPin[]): Promise<void> {
  if (rows.length === 0) return;
  const [first, ...rest] = chunks(rows, 7).map((c) => db.insert(definitionPins).values(c).onConflictDoNothing());
  await db.batch([first!, ...rest]);
}

/** An entry's pin, seen matching: the whole definition is kept from now on. */
export async function completePin(db: Database, upstream: string, tool: string, definitionHash: string, definition: PinnedDefinition): Promise<void> {
  await db
    .update(definitionPins)
    .set({ definitionHash, definition })
    .where(and(eq(definitionPins.upstream, upstream), eq(definitionPins.tool, tool)));
}

/** The upstream's pins become exactly these (a package version's entry). */
export async function replacePins(db: Database, upstream: string, rows: NewPin[]): Promise<void> {
  await db.batch([
    db.delete(definitionPins).where(eq(definitionPins.upstream, upstream)),
    ...chunks(rows, 7).map((c) => db.insert(definitionPins).values(c)),
  ]);
}

export function changesOf(db: Database, upstream: string): Promise<DefinitionChangeRow[]> {
  return db.select().from(definitionChanges).where(eq(definitionChanges.upstream, upstream));
}

/** Records a definition not seen before for this tool; undefined when it was already recorded. */
export async function recordChange(db: Database, change: NewDefinitionChange): Promise<DefinitionChangeRow | undefined> {
  const [row] = await db.insert(definitionChanges).values(change).onConflictDoNothing().returning();
  return row;
}

/** Asks again about a definition approved once and since replaced; undefined when another process did. */
export async function reopenChange(
  db: Database,
  id: number,
  old: Pick<DefinitionChangeRow, "oldDefinition" | "oldFingerprint">,
): Promise<DefinitionChangeRow | undefined> {
  const [row] = await db
    .update(definitionChanges)
    .set({ ...old, status: "pending", detectedAt: Date.now(), decidedAt: null })
    .where(and(eq(definitionChanges.id, id), eq(definitionChanges.status, "approved")))
    .returning();
  return row;
}

export function listChanges(db: Database, filter: { status?: DefinitionChangeRow["status"] | undefined; upstream?: string | undefined }): Promise<DefinitionChangeRow[]> {
  const conds = [
    ...(filter.status ? [eq(definitionChanges.status, filter.status)] : []),
    ...(filter.upstream ? [eq(definitionChanges.upstream, filter.upstream)] : []),
  ];
  return db
    .select()
    .from(definitionChanges)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(definitionChanges.id))
    .limit(500);
}

export async function getChange(db: Database, id: number): Promise<DefinitionChangeRow | undefined> {
  const [row] = await db.select().from(definitionChanges).where(eq(definitionChanges.id, id));
  return row;
}

/** Approves a change and pins its definition, in one batch; false when it was approved already. */
export async function approveChange(db: Database, change: DefinitionChangeRow, decidedAt: number): Promise<boolean> {
  const pin = {
    fingerprint: change.newFingerprint,
    definitionHash: change.newDefinitionHash,
    definition: change.newDefinition,
    source: "approved" as const,
    pinnedAt: decidedAt,
  };
  const [updated] = await db.batch([
    db
      .update(definitionChanges)
      .set({ status: "approved", decidedAt })
      .where(and(eq(definitionChanges.id, change.id), ne(definitionChanges.status, "approved")))
      .returning({ id: definitionChanges.id }),
    db
      .insert(definitionPins)
      .values({ upstream: change.upstream, tool: change.tool, ...pin })
      .onConflictDoUpdate({ target: [definitionPins.upstream, definitionPins.tool], set: pin }),
  ]);
  return updated.length > 0;
}

/** Rejects a pending change; false when it was not pending. */
export async function rejectChange(db: Database, id: number, decidedAt: number): Promise<boolean> {
  const rows = await db
    .update(definitionChanges)
    .set({ status: "rejected", decidedAt })
    .where(and(eq(definitionChanges.id, id), eq(definitionChanges.status, "pending")))
    .returning({ id: definitionChanges.id });
  return rows.length > 0;
}

/** What removing an upstream deletes of its pins, changes and mode (one batch with the rest). */
export function forgetPins(db: Database, upstream: string) {
  return [
    db.delete(definitionPins).where(eq(definitionPins.upstream, upstream)),
    db.delete(definitionChanges).where(eq(definitionChanges.upstream, upstream)),
    db.delete(definitionPinModes).where(eq(definitionPinModes.upstream, upstream)),
  ] as const;
}
