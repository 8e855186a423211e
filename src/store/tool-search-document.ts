// What the search index knows of one tool: its terms, each with a BM25 weight that depends on the
// tool alone, so a weight written once stays right however the rest of the catalog changes.

/** The searchable text of a tool. */
export interface SearchableTool {
  name: string;
  shortName: string;
  title?: string | null;
  description?: string | null;
  tags: readonly string[];
}

// The column weights the FTS5 ranking had: a word in the name counts ten times one in the description.
const FIELD_WEIGHTS = { name: 10, title: 5, description: 1, tags: 3 } as const;
const K1 = 1.2;
const B = 0.75;
// A fixed reference length in place of the catalog's average, which would change every weight on every write.
const REFERENCE_LENGTH = 24;

// Words nearly every description holds: they would make the lists read longest and rank nothing.
const STOPWORDS = new Set(
  "an and are as at be by can for from has have in into is it its of on or so than that the their then there these this to was were will with".split(" "),
);

/** Lower-case words of letters and digits, diacritics removed (as FTS5's unicode61 tokenizer splits). */
export function words(text: string): string[] {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The words of a query or a document that the index holds: two characters or more, not a stopword. */
export function indexedWords(text: string): string[] {
  return words(text).filter((w) => w.length > 1 && !STOPWORDS.has(w));
}

/** Each indexed term of the tool with its weight: saturated, length-normalized, column-weighted term frequency. */
export function termWeights(tool: SearchableTool): Map<string, number> {
  const fields: [string[], number][] = [
    // The short name usually repeats the name; a renamed tool is found by both.
    [[...new Set([...words(tool.name), ...words(tool.shortName)])], FIELD_WEIGHTS.name],
    [words(tool.title ?? ""), FIELD_WEIGHTS.title],
    [words(tool.description ?? ""), FIELD_WEIGHTS.description],
    [tool.tags.flatMap(words), FIELD_WEIGHTS.tags],
  ];
  const length = fields.reduce((n, [ws]) => n + ws.length, 0);
  const norm = K1 * (1 - B + (B * length) / REFERENCE_LENGTH);
  const frequency = new Map<string, number>();
  for (const [ws, weight] of fields) {
    for (const w of ws) if (w.length > 1 && !STOPWORDS.has(w)) frequency.set(w, (frequency.get(w) ?? 0) + weight);
  }
  const weights = new Map<string, number>();
  for (const [term, f] of frequency) weights.set(term, (f * (K1 + 1)) / (f + norm));
  return weights;
}

/** BM25's inverse document frequency, never below a small positive floor (as FTS5's). */
export function idf(tools: number, holding: number): number {
  return Math.max(1e-6, Math.log((tools - holding + 0.5) / (holding + 0.5) + 1));
}

/** Whether b is one edit (a letter deleted, inserted, replaced, or two neighbours swapped) from a. */
export function isOneEditAway(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const [restA, restB] = [a.slice(i), b.slice(i)];
  return (
    restA.slice(1) === restB.slice(1) || // replaced
    restA.slice(1) === restB || // deleted from a
    restA === restB.slice(1) || // inserted into a
    (restA.length > 1 && restA[0] === restB[1] && restA[1] === restB[0] && restA.slice(2) === restB.slice(2)) // swapped
  );
}
