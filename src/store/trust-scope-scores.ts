// Providers' scores for a tag where vouches scoped to it lift them (src/node/trust/scope-scores.ts),
// as the last scoped computation left them.
import { and, desc, eq, inArray, max } from "drizzle-orm";
import { chunks, type Database } from "./database.ts";
import { trustScopeScores } from "./schema/index.ts";

export interface ScopeScore {
  scope: string;
  node: string;
  score: number;
}

/** Replaces every stored scope score with these, in one batch: readers never see half. */
export async function replaceScopeScores(db: Database, rows: readonly ScopeScore[]): Promise<void> {
  const inserts = chunks([...rows], 3).map((chunk) => db.insert(trustScopeScores).values(chunk));
  await db.batch([db.delete(trustScopeScores), ...inserts]);
}

/** The node's highest score in any of `scopes`; undefined when none of them lifts it. */
export async function scopeScoreOf(db: Database, node: string, scopes: readonly string[]): Promise<number | undefined> {
  if (scopes.length === 0) return undefined;
  const [row] = await db
    .select({ score: max(trustScopeScores.score) })
    .from(trustScopeScores)
    .where(and(eq(trustScopeScores.node, node), inArray(trustScopeScores.scope, [...scopes])));
  return row?.score ?? undefined;
}

/** The node's stored scores per scope, highest first. */
export async function scopeScoresOfNode(db: Database, node: string): Promise<{ scope: string; score: number }[]> {
  return db.select({ scope: trustScopeScores.scope, score: trustScopeScores.score }).from(trustScopeScores).where(eq(trustScopeScores.node, node)).orderBy(desc(trustScopeScores.score), trustScopeScores.scope);
}
