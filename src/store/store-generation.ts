// The store's generation (schema/store-generation.ts): read, drawn on first use, and redrawn by a
// restore in the restore's own batch.
import { eq, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { storeGeneration } from "./schema/index.ts";

/** 16 random hex characters: a generation no earlier one repeats. */
export function drawn(): string {
  return [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** This store's generation; the first caller draws it, and concurrent first callers read the same one. A read once drawn. */
export async function generationOf(db: Database): Promise<string> {
  const read = async () => (await db.select({ g: storeGeneration.generation }).from(storeGeneration).where(eq(storeGeneration.id, 1)))[0]?.g;
  const held = await read();
  if (held !== undefined) return held;
  await db.insert(storeGeneration).values({ id: 1, generation: drawn() }).onConflictDoNothing();
  return (await read())!;
}

/** The statement that draws a new generation, for a restore to put in its batch. */
export function newGeneration(db: Database) {
  const generation = drawn();
  return db.insert(storeGeneration).values({ id: 1, generation }).onConflictDoUpdate({ target: storeGeneration.id, set: { generation: sql`excluded.generation` } });
}
