// Ranked search over the local catalog with bounded work (docs/benchmarks.md, "Catalog scale"). Each query word stands
// for up to a few indexed terms (itself and terms it begins, or else terms one typo away). Each
// term's list is kept ordered by weight, and a query reads only its head: a tool's score sums,
// per query word, the best weight of its terms times their idf, over the heads read. With one
// word, the heads of `limit` rows give the exact ranking. With several, a head is deeper (at
// most MAX_DEPTH), and the ranking is exact for every term held by no more tools than that; past
// it, a tool deep in a common term's list (the term only in a long description) misses that
// term's small share. One statement reads and ranks, so no query reads more than its heads.
import { sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { idf, indexedWords, isOneEditAway } from "./tool-search-document.ts";

// Bounds on one query's work; words times expansions times two stays under D1's 100 parameters.
const MAX_WORDS = 10;
const MAX_EXPANSIONS = 3;
const MAX_DEPTH = 200;
// Rows a multi-word query reads per word, spread over its terms' heads.
const ROWS_PER_QUERY = 600;
// A typo is a weaker match than the word itself.
const TYPO_FACTOR = 0.5;
const PREFIX_MIN = 3;
const TYPO_MIN = 4;
// A word's one-edit neighbours grow with its length (about 2 × length × 60 strings): a longer word,
// which a client may send to spend the node's memory, is looked up as typed only.
const TYPO_MAX = 20;

export interface RankedTool {
  globalId: string;
  score: number;
}

/** The best `limit` visible tools for the query, best first (ties by global id). Three statements at most. */
export async function rankTools(db: Database, query: string, limit: number): Promise<RankedTool[]> {
  const queryWords = [...new Set(indexedWords(query))].slice(0, MAX_WORDS);
  if (queryWords.length === 0) return [];
  const vocabulary = await vocabularyNear(db, queryWords);
  const total = vocabulary[0]?.total ?? 0;
  const lists = queryWords.flatMap((w, word) => termsFor(w, vocabulary).map(({ term, holding, factor }) => ({ term, word, scale: factor * idf(Math.max(total, holding), holding) })));
  if (lists.length === 0) return [];
  const depth = queryWords.length === 1 ? limit : Math.min(MAX_DEPTH, Math.max(4 * limit, Math.floor(ROWS_PER_QUERY / queryWords.length)));
  const heads = sql.join(
    lists.map(
      (l) =>
        sql`SELECT ${sql.raw(String(l.word))} AS word, ${l.scale} * weight AS part, global_id FROM (SELECT weight, global_id FROM tool_search_postings WHERE term = ${l.term} ORDER BY weight DESC, global_id DESC LIMIT ${sql.raw(String(depth))})`,
    ),
    sql` UNION ALL `,
  );
  // Ranked first, then the hidden ones passed over best first: a tool's settings row is read for
  // the few ranked ones returned, not for every tool the heads hold (a join read one per tool). The
  // ranked subquery's LIMIT keeps its order and keeps SQLite from pushing the check into it.
  const rows = await db.all<{ global_id: string; score: number }>(sql`
    WITH heads AS (${heads}),
    per_word AS (SELECT global_id, max(part) AS part FROM heads GROUP BY global_id, word),
    ranked AS (SELECT global_id, sum(part) AS score FROM per_word GROUP BY global_id ORDER BY score DESC, global_id LIMIT -1)
    SELECT r.global_id, r.score FROM ranked r
    WHERE (SELECT s.hidden FROM tool_settings s WHERE s.global_id = r.global_id) = 0
    LIMIT ${limit}`);
  return rows.map((r) => ({ globalId: r.global_id, score: r.score }));
}

interface VocabularyTerm {
  term: string;
  holding: number;
  total: number;
}

// Past the last character any term can hold, so `term < word + END` bounds the terms that begin with word.
const END = "\u{10FFFF}";

/**
 * The indexed terms each query word may stand for, with the catalog's size, in two indexed reads
 * at most: per word, the word itself and the terms it begins (the most held first, at most
 * MAX_EXPANSIONS); then, for the words that matched nothing, their one-edit neighbours looked up
 * by name, so the work depends on the words' lengths and never on the vocabulary's size.
 */
async function vocabularyNear(db: Database, queryWords: readonly string[]): Promise<VocabularyTerm[]> {
  const total = sql`(SELECT count(*) FROM tools)`;
  const heads = queryWords.map((w) =>
    w.length >= PREFIX_MIN
      ? sql`SELECT * FROM (SELECT term, tools FROM tool_search_terms WHERE term >= ${w} AND term < ${w + END} ORDER BY term = ${w} DESC, tools DESC, term LIMIT ${sql.raw(String(MAX_EXPANSIONS))})`
      : sql`SELECT term, tools FROM tool_search_terms WHERE term = ${w}`,
  );
  const near = await db.all<VocabularyTerm>(sql`SELECT term, tools AS holding, ${total} AS total FROM (${sql.join(heads, sql` UNION `)})`);
  const missed = queryWords.filter((w) => w.length >= TYPO_MIN && Array.from(w).length <= TYPO_MAX && !near.some((t) => t.term.startsWith(w)));
  if (missed.length === 0) return near;
  const neighbours = [...new Set(missed.flatMap(oneEditVariants))];
  const typos = await db.all<VocabularyTerm>(sql`
    SELECT term, tools AS holding, ${total} AS total FROM tool_search_terms
    WHERE term IN (SELECT value FROM json_each(${JSON.stringify(neighbours)}))`);
  return [...near, ...typos];
}

// The letters a typo puts in: the index's words are mostly these; a word's own letters cover the rest of its script.
const TYPED = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Every string one edit from the word: a letter deleted, two neighbours swapped, a letter replaced or inserted. */
function oneEditVariants(word: string): string[] {
  const chars = Array.from(word);
  const letters = [...new Set([...TYPED, ...chars])];
  // head[i] + tail[j] is the word without its letters i to j - 1.
  const head = chars.map((_, i) => chars.slice(0, i).join("")).concat(word);
  const tail = chars.map((_, i) => chars.slice(i).join("")).concat("");
  const variants: string[] = [];
  for (let i = 0; i <= chars.length; i++) {
    const [before, from, after] = [head[i]!, tail[i]!, tail[i + 1] ?? ""];
    for (const c of letters) variants.push(before + c + from);
    if (i === chars.length) break;
    variants.push(before + after);
    for (const c of letters) if (c !== chars[i]) variants.push(before + c + after);
    if (i + 1 < chars.length) variants.push(before + chars[i + 1]! + chars[i]! + (tail[i + 2] ?? ""));
  }
  return variants;
}

/** The terms a query word stands for: itself and the terms it begins, or else its one-typo neighbours. */
function termsFor(word: string, vocabulary: readonly VocabularyTerm[]): { term: string; holding: number; factor: number }[] {
  const byHolding = (a: VocabularyTerm, b: VocabularyTerm) => b.holding - a.holding || (a.term < b.term ? -1 : 1);
  const exact = vocabulary.filter((t) => t.term === word);
  const extended = word.length >= PREFIX_MIN ? vocabulary.filter((t) => t.term !== word && t.term.startsWith(word)).sort(byHolding) : [];
  const matched = [...exact, ...extended].slice(0, MAX_EXPANSIONS);
  if (matched.length > 0 || word.length < TYPO_MIN) return matched.map((t) => ({ ...t, factor: 1 }));
  return vocabulary
    .filter((t) => isOneEditAway(word, t.term))
    .sort(byHolding)
    .slice(0, MAX_EXPANSIONS)
    .map((t) => ({ ...t, factor: TYPO_FACTOR }));
}
