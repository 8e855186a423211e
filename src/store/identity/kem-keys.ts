// The node's KEM keys as stored: one per epoch, its seed sealed under a key from NODE_SEED.
import { and, eq, inArray, lt } from "drizzle-orm";
import type { Database } from "../database.ts";
import { kemKeys } from "../schema/identity.ts";

export type KemKeyRow = typeof kemKeys.$inferSelect;

export function kemKeysOfEpochs(db: Database, epochs: number[]): Promise<KemKeyRow[]> {
  return db.select().from(kemKeys).where(inArray(kemKeys.epoch, epochs));
}

/** Stores the epoch's key unless another isolate stored one first. */
export async function insertKemKeyIfAbsent(db: Database, values: typeof kemKeys.$inferInsert): Promise<void> {
  await db.insert(kemKeys).values(values).onConflictDoNothing();
}

export async function deleteKemKeysBefore(db: Database, epoch: number): Promise<void> {
  await db.delete(kemKeys).where(lt(kemKeys.epoch, epoch));
}

/** Deletes exactly this sealed key, not a newer one stored for the same epoch meanwhile. */
export async function deleteKemKey(db: Database, epoch: number, sealedSeed: string): Promise<void> {
  await db.delete(kemKeys).where(and(eq(kemKeys.epoch, epoch), eq(kemKeys.sealedSeed, sealedSeed)));
}
