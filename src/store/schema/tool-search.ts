// The search index of the local catalog (src/store/tool-search-*.ts): per term, the tools that hold
// it ordered by their weight, so a query reads only the head of each term's list.
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One (term, tool) pair with the tool's BM25 weight for the term (without the term's idf). */
export const toolSearchPostings = sqliteTable(
  "tool_search_postings",
  {
    term: text("term").notNull(),
    weight: real("weight").notNull(),
    globalId: text("global_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.term, t.weight, t.globalId] }), index("tool_search_postings_tool").on(t.globalId)],
);

/** Every indexed term and how many tools hold it: the vocabulary prefixes and typos are looked up in, and the idf. */
export const toolSearchTerms = sqliteTable("tool_search_terms", {
  term: text("term").primaryKey(),
  tools: integer("tools").notNull(),
});

/**
 * One row (id 1): drawn again by every write of the index, so a process that keeps parts of the
 * index between searches (src/store/tool-search-cache.ts) knows when they are stale, whichever
 * process wrote, and by a restore (no backup holds it). Random, so no earlier value comes back by chance.
 */
export const toolSearchGeneration = sqliteTable("tool_search_generation", {
  id: integer("id").primaryKey(),
  generation: text("generation").notNull(),
});
