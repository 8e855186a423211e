// Other origins' signed package indexes (protocol §18.4), the newest accepted per origin.
import { eq, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { heldPackageIndexes } from "./schema/index.ts";

export type HeldIndexRow = typeof heldPackageIndexes.$inferSelect;

export async function heldIndex(db: Database, origin: string): Promise<HeldIndexRow | undefined> {
  const [row] = await db.select().from(heldPackageIndexes).where(eq(heldPackageIndexes.origin, origin));
  return row;
}

/** Keeps an accepted index unless one with a higher sequence is held already. */
export async function holdIndex(db: Database, row: { origin: string; seq: number; signed: string; expires: number }): Promise<void> {
  await db
    .insert(heldPackageIndexes)
    .values(row)
    .onConflictDoUpdate({
      target: heldPackageIndexes.origin,
      set: { seq: row.seq, signed: row.signed, expires: row.expires, receivedAt: Date.now() },
      setWhere: sql`excluded.seq >= ${heldPackageIndexes.seq}`,
    });
}
