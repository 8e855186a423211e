// The trust scores this node computed last, with their tiers: what every isolate reads between
// computations (src/node/trust/scores.ts keeps them a few seconds per isolate).
import { desc, eq, inArray } from "drizzle-orm";
import { chunks, type Database } from "./database.ts";
import { trustScores } from "./schema/index.ts";

export interface StoredScore {
  node: string;
  score: number;
  tier: string;
  penalty: number;
  /** Unix seconds. */
  computedAt: number;
}

/** Replaces the stored scores with these, all computed at `computedAt`, in one batch: readers never see half. */
export async function replaceScores(db: Database, rows: readonly Omit<StoredScore, "computedAt">[], computedAt: number): Promise<void> {
  const inserts = chunks([...rows], 5).map((chunk) => db.insert(trustScores).values(chunk.map((r) => ({ ...r, computedAt }))));
  await db.batch([db.delete(trustScores), ...inserts]);
}

export async function storedScore(db: Database, node: string): Promise<StoredScore | undefined> {
  const [row] = await db.select().from(trustScores).where(eq(trustScores.node, node));
  return row;
}

/** The highest scores first. */
export async function storedScores(db: Database, limit: number): Promise<StoredScore[]> {
  return db.select().from(trustScores).orderBy(desc(trustScores.score), trustScores.node).limit(limit);
}

/** The stored scores of these nodes; a node without one is not in the map. */
export async function storedScoresOf(db: Database, nodes: readonly string[]): Promise<Map<string, StoredScore>> {
  const out = new Map<string, StoredScore>();
  for (const chunk of chunks([...new Set(nodes)], 1)) for (const r of await db.select().from(trustScores).where(inArray(trustScores.node, chunk))) out.set(r.node, r);
  return out;
}
