// This node's signing-key hand-overs as stored, oldest first.
import { asc } from "drizzle-orm";
import type { Database } from "../database.ts";
import { signingRotations } from "../schema/identity.ts";

export type SigningRotationRow = typeof signingRotations.$inferSelect;

export function listSigningRotations(db: Database): Promise<SigningRotationRow[]> {
  return db.select().from(signingRotations).orderBy(asc(signingRotations.position));
}

/** Stores the hand-over at its position unless another isolate stored it first. */
export async function insertSigningRotationIfAbsent(db: Database, values: typeof signingRotations.$inferInsert): Promise<void> {
  await db.insert(signingRotations).values(values).onConflictDoNothing();
}
