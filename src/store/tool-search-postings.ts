// Writes of the search index, as statements for the batch that changes the catalog, so the index
// never disagrees with the tools it describes.
import { and, gte, inArray, lt, sql } from "drizzle-orm";
import { chunks, type Database } from "./database.ts";
import { toolSearchGeneration as generation, toolSearchPostings as postings, toolSearchTerms as terms } from "./schema/index.ts";
import { drawn } from "./store-generation.ts";
import { termWeights, type SearchableTool } from "./tool-search-document.ts";

/** The rows that index these tools. */
export function indexTools(db: Database, docs: readonly (SearchableTool & { globalId: string })[]) {
  const rows = docs.flatMap((d) => [...termWeights(d)].map(([term, weight]) => ({ term, weight, globalId: d.globalId })));
  return chunks(rows, 3).map((c) => db.insert(postings).values(c));
}

/** Forgets the index rows of every tool whose global id starts with the prefix (an upstream's: `<node>/<upstream>/`). */
export function forgetToolsUnder(db: Database, prefix: string) {
  // A range on the index rather than LIKE, where `_` is a wildcard; the prefix ends in "/", and "0" follows it.
  if (!prefix.endsWith("/")) throw new Error("a prefix of global ids ends in /");
  return db.delete(postings).where(and(gte(postings.globalId, prefix), lt(postings.globalId, `${prefix.slice(0, -1)}0`)));
}

export function forgetTools(db: Database, globalIds: readonly string[]) {
  return chunks([...globalIds], 1).map((c) => db.delete(postings).where(inArray(postings.globalId, c)));
}

/** Counts again how many tools hold each term and draws the index's new generation: last in any batch that changed the index. */
export function recountTerms(db: Database) {
  return [
    db.delete(terms),
    db.insert(terms).select(db.select({ term: postings.term, tools: sql<number>`count(*)`.as("tools") }).from(postings).groupBy(postings.term)),
    newSearchGeneration(db),
  ] as const;
}

/** The statement that draws the index's new generation; a restore puts it in its batch too (the backup holds an older one). */
export function newSearchGeneration(db: Database) {
  return db.insert(generation).values({ id: 1, generation: drawn() }).onConflictDoUpdate({ target: generation.id, set: { generation: sql`excluded.generation` } });
}

