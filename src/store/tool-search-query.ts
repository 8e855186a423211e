// Ranked search over the local catalog with bounded work (docs/benchmarks.md, "Catalog scale"). Each query word stands
// for up to a few indexed terms (itself and terms it begins, or else terms one typo away). Each
// term's list is kept ordered by weight, and a query reads only its head: a tool's score sums,
// per query word, the best weight of its terms times their idf, over the heads read. With one
// word, the heads of `limit` rows give the exact ranking. With several, a head is deeper (at
// most MAX_DEPTH), and the ranking is exact for every term held by no more tools than that; past
// it, a tool deep in a common term's list (the term only in a long description) misses that
// term's small share. The words' terms and the heads are kept between searches
// (src/store/tool-search-cache.ts), so a search reads only what no earlier one did, and always
// the index's generation and the ranked tools' settings, in its last statement.
import { sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { toolSearchCacheOf, type Head, type ToolSearchCache, type WordTerm } from "./tool-search-cache.ts";
import { idf, indexedWords, isOneEditAway } from "./tool-search-document.ts";

// Bounds on one query's work; words times expansions stays under D1's 100 parameters.
const MAX_WORDS = 10;
const MAX_EXPANSIONS = 3;
// Every head is read this deep (at least `limit`, at most 50), and kept so.
const MAX_DEPTH = 200;
// Rows a multi-word query ranks per word, spread over its terms' heads.
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

/** The index's generation, as a column of every statement that reads the index. */
const GENERATION = sql`(SELECT generation FROM tool_search_generation WHERE id = 1)`;

/**
 * What one ranking read and whether it can be trusted: each statement reports the generation it
 * saw, and a ranking that mixed what was kept with rows of another generation is done again.
 */
class Reading {
  #used = false;
  stale = false;

  constructor(readonly cache: ToolSearchCache) {}

  /** Before anything kept is used. */
  use(): void {
    this.#used = true;
  }

  /** After each statement, with the generation it read at. */
  saw(generation: string | null): void {
    if (!this.cache.at(generation) && this.#used) this.stale = true;
    this.#used = true;
  }
}

/** The best `limit` visible tools for the query, best first (ties by global id). One statement when the query's words and heads are kept, four at most. */
export async function rankTools(db: Database, query: string, limit: number): Promise<RankedTool[]> {
  const queryWords = [...new Set(indexedWords(query))].slice(0, MAX_WORDS);
  if (queryWords.length === 0) return [];
  const cache = toolSearchCacheOf(db);
  // Once more if a write of the index came in between; under writes that never stop, the second stands.
  for (let attempt = 0; ; attempt++) {
    const reading = new Reading(cache);
    const lists = await wordTerms(db, reading, queryWords);
    const scores = scoreByHeads(queryWords.length, limit, lists, await headsOf(db, reading, [...new Set(lists.map((l) => l.term))], limit));
    const visible = await visibleFirst(db, reading, scores, limit);
    if (!reading.stale || attempt > 0) return visible;
  }
}

/** Rows a word's terms are ranked on: a one-word query needs only `limit`. */
const depthOf = (words: number, limit: number) => (words === 1 ? limit : Math.min(MAX_DEPTH, Math.max(4 * limit, Math.floor(ROWS_PER_QUERY / words))));

/** Each word's terms with their idf scale, the ones kept or else read. */
async function wordTerms(db: Database, reading: Reading, queryWords: readonly string[]): Promise<{ term: string; word: number; scale: number }[]> {
  const { cache } = reading;
  const kept = new Map(queryWords.flatMap((w) => {
    const terms = cache.words.get(w);
    return terms ? [[w, terms] as const] : [];
  }));
  if (kept.size > 0) reading.use();
  const missing = queryWords.filter((w) => !kept.has(w));
  let total = cache.total ?? 0;
  if (missing.length > 0) {
    const read = await vocabularyNear(db, reading, missing);
    // A stale reading may hold rows of two generations: used once (the ranking is read again), never kept.
    const keep = !reading.stale;
    total = read.total;
    if (keep) cache.total = total;
    for (const w of missing) {
      const found = termsFor(w, read.terms);
      if (keep) cache.words.set(w, found);
      kept.set(w, found);
    }
  }
  return queryWords.flatMap((w, word) => kept.get(w)!.map(({ term, holding, factor }) => ({ term, word, scale: factor * idf(Math.max(total, holding), holding) })));
}

/** Each query term's head, the ones kept or else read (every missing one in one statement). */
async function headsOf(db: Database, reading: Reading, terms: readonly string[], limit: number): Promise<Map<string, Head>> {
  const { cache } = reading;
  const heads = new Map<string, Head>();
  for (const term of terms) {
    const head = cache.heads.get(term);
    if (head) heads.set(term, head);
  }
  if (heads.size > 0) reading.use();
  const missing = terms.filter((t) => !heads.has(t));
  if (missing.length === 0) return heads;
  const depth = Math.max(MAX_DEPTH, limit);
  // One row per term: its head as two JSON arrays, which costs far less than a row per posting.
  // Weights go through 16 significant digits (SQLite's most), which can only reorder ties closer than that.
  const rows = await db.all<{ generation: string | null; k: number; ids: string; weights: string | null }>(
    sql.join(
      missing.map(
        (term, k) =>
          sql`SELECT ${GENERATION} AS generation, ${sql.raw(String(k))} AS k, json_group_array(global_id) AS ids, '[' || group_concat(printf('%.16g', weight)) || ']' AS weights FROM (SELECT weight, global_id FROM tool_search_postings WHERE term = ${term} ORDER BY weight DESC, global_id DESC LIMIT ${sql.raw(String(depth))})`,
      ),
      sql` UNION ALL `,
    ),
  );
  for (const row of rows) reading.saw(row.generation);
  for (const row of rows) {
    const head = { ids: JSON.parse(row.ids) as string[], weights: JSON.parse(row.weights ?? "[]") as number[] };
    if (!reading.stale) cache.heads.set(missing[row.k]!, head);
    heads.set(missing[row.k]!, head);
  }
  return heads;
}

/** Every tool the heads hold with its score: per word, the tool's best part over the word's terms, summed over the words. */
function scoreByHeads(words: number, limit: number, lists: readonly { term: string; word: number; scale: number }[], heads: ReadonlyMap<string, Head>): Map<string, number> {
  const depth = depthOf(words, limit);
  const scores = new Map<string, number>();
  for (let word = 0; word < words; word++) {
    const own = lists.filter((l) => l.word === word && heads.has(l.term));
    // A word of one term adds its parts as they are; of several, each tool's best one.
    const best = own.length === 1 ? scores : new Map<string, number>();
    for (const list of own) {
      const head = heads.get(list.term)!;
      const n = Math.min(depth, head.ids.length);
      for (let i = 0; i < n; i++) {
        const part = list.scale * head.weights[i]!;
        const id = head.ids[i]!;
        if (best === scores) scores.set(id, (scores.get(id) ?? 0) + part);
        else if (!((best.get(id) ?? -Infinity) >= part)) best.set(id, part);
      }
    }
    if (best !== scores) for (const [id, part] of best) scores.set(id, (scores.get(id) ?? 0) + part);
  }
  return scores;
}

const better = (a: RankedTool, b: RankedTool) => b.score - a.score || (a.globalId < b.globalId ? -1 : a.globalId > b.globalId ? 1 : 0);

/** The best `k` of the scored tools, best first (ties by global id): one pass, ordering only those kept, unless all are asked for. */
function bestOf(scores: ReadonlyMap<string, number>, k: number): RankedTool[] {
  if (k >= scores.size) return Array.from(scores, ([globalId, score]) => ({ globalId, score })).sort(better);
  const kept: RankedTool[] = [];
  for (const [globalId, score] of scores) {
    const tool = { globalId, score };
    if (kept.length === k && better(tool, kept[k - 1]!) >= 0) continue;
    let i = Math.min(kept.length, k - 1);
    while (i > 0 && better(tool, kept[i - 1]!) < 0) i--;
    kept.splice(i, 0, tool);
    if (kept.length > k) kept.pop();
  }
  return kept;
}

/**
 * The best `limit` scored tools the operator did not hide, read in growing slices of the ranking:
 * hidden tools are few, so one slice nearly always does. Reads the index's generation too, so
 * even a query whose words all are kept learns of a write.
 */
async function visibleFirst(db: Database, reading: Reading, scores: ReadonlyMap<string, number>, limit: number): Promise<RankedTool[]> {
  const out: RankedTool[] = [];
  let from = 0;
  let size = 2 * limit;
  let ranked = bestOf(scores, size);
  do {
    // Past the first slice, the whole ranking.
    if (from > 0 && ranked.length < scores.size) ranked = bestOf(scores, scores.size);
    const slice = ranked.slice(from, from + size);
    const [row] = await db.all<{ generation: string | null; visible: string }>(sql`
      SELECT ${GENERATION} AS generation,
        (SELECT json_group_array(global_id) FROM tool_settings WHERE hidden = 0 AND global_id IN (SELECT value FROM json_each(${JSON.stringify(slice.map((r) => r.globalId))}))) AS visible`);
    reading.saw(row!.generation);
    const visible = new Set(JSON.parse(row!.visible) as string[]);
    for (const r of slice) if (visible.has(r.globalId) && out.length < limit) out.push(r);
    from += size;
    size *= 4;
  } while (out.length < limit && from < scores.size);
  return out;
}

interface VocabularyTerm {
  term: string;
  holding: number;
}

// Past the last character any term can hold, so `term < word + END` bounds the terms that begin with word.
const END = "\u{10FFFF}";

/**
 * The indexed terms each query word may stand for, with the catalog's size, in two indexed reads
 * at most: per word, the word itself and the terms it begins (the most held first, at most
 * MAX_EXPANSIONS); then, for the words that matched nothing, their one-edit neighbours looked up
 * by name, so the work depends on the words' lengths and never on the vocabulary's size. Each
 * read gives one row at least (with no term when nothing matched), for its generation.
 */
async function vocabularyNear(db: Database, reading: Reading, queryWords: readonly string[]): Promise<{ terms: VocabularyTerm[]; total: number }> {
  const heads = queryWords.map((w) =>
    w.length >= PREFIX_MIN
      ? sql`SELECT * FROM (SELECT term, tools FROM tool_search_terms WHERE term >= ${w} AND term < ${w + END} ORDER BY term = ${w} DESC, tools DESC, term LIMIT ${sql.raw(String(MAX_EXPANSIONS))})`
      : sql`SELECT term, tools FROM tool_search_terms WHERE term = ${w}`,
  );
  type Row = { generation: string | null; total: number; term: string | null; holding: number | null };
  const read = async (terms: ReturnType<typeof sql>) => {
    const rows = await db.all<Row>(sql`SELECT g.generation, g.total, v.term, v.tools AS holding FROM (SELECT ${GENERATION} AS generation, (SELECT count(*) FROM tools) AS total) g LEFT JOIN (${terms}) v`);
    reading.saw(rows[0]!.generation);
    return { total: rows[0]!.total, terms: rows.flatMap((r) => (r.term === null ? [] : [{ term: r.term, holding: r.holding! }])) };
  };
  const near = await read(sql.join(heads, sql` UNION `));
  const missed = queryWords.filter((w) => w.length >= TYPO_MIN && Array.from(w).length <= TYPO_MAX && !near.terms.some((t) => t.term.startsWith(w)));
  if (missed.length === 0) return near;
  const neighbours = [...new Set(missed.flatMap(oneEditVariants))];
  const typos = await read(sql`SELECT term, tools FROM tool_search_terms WHERE term IN (SELECT value FROM json_each(${JSON.stringify(neighbours)}))`);
  return { total: typos.total, terms: [...near.terms, ...typos.terms] };
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
function termsFor(word: string, vocabulary: readonly VocabularyTerm[]): WordTerm[] {
  const byHolding = (a: VocabularyTerm, b: VocabularyTerm) => b.holding - a.holding || (a.term < b.term ? -1 : 1);
  const exact = vocabulary.filter((t) => t.term === word);
  const extended = word.length >= PREFIX_MIN ? vocabulary.filter((t) => t.term !== word && t.term.startsWith(word)).sort(byHolding) : [];
  const matched = [...exact, ...extended].slice(0, MAX_EXPANSIONS);
  if (matched.length > 0 || word.length < TYPO_MIN) return matched.map((t) => ({ term: t.term, holding: t.holding, factor: 1 }));
  return vocabulary
    .filter((t) => isOneEditAway(word, t.term))
    .sort(byHolding)
    .slice(0, MAX_EXPANSIONS)
    .map((t) => ({ term: t.term, holding: t.holding, factor: TYPO_FACTOR }));
}
