// What one process keeps of the search index between searches: the terms each query word stands
// for, each term's head (its best-weighted tools), and the catalog's size. Queries share most of
// their words ("list", "create", "issue"), so a kept head serves other queries than the one that
// read it. Everything kept was read at one index generation (drawn again by every write of the
// index, src/store/tool-search-postings.ts); a read that sees another generation drops it all.
import type { Database } from "./database.ts";

export interface WordTerm {
  term: string;
  holding: number;
  /** 1 for the word itself and the terms it begins; less for a typo's neighbour. */
  factor: number;
}

/** A term's best tools, best first (weight, then global id, descending), at most the depth it was read at. */
export interface Head {
  ids: string[];
  weights: number[];
}

// Bounds on what is kept: a client that sends ever new words churns the oldest out.
const MAX_WORDS = 1024;
const MAX_HEADS = 256;

/** A map that forgets its least recently used key past its size. */
class Recent<V> {
  readonly #map = new Map<string, V>();

  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.size) this.#map.delete(this.#map.keys().next().value!);
  }

  clear(): void {
    this.#map.clear();
  }
}

export class ToolSearchCache {
  /** The generation everything kept was read at; null: an index never written since the table was made. */
  #generation: string | null | undefined;
  total: number | undefined;
  readonly words = new Recent<WordTerm[]>(MAX_WORDS);
  readonly heads = new Recent<Head>(MAX_HEADS);

  /**
   * Called with the generation each read of the index saw: true if what is kept is of it. Otherwise
   * what is kept is dropped, and what the caller read (of the new generation) may be kept.
   */
  at(generation: string | null): boolean {
    if (generation === this.#generation) return true;
    this.#generation = generation;
    this.total = undefined;
    this.words.clear();
    this.heads.clear();
    return false;
  }
}

const caches = new WeakMap<Database, ToolSearchCache>();

export function toolSearchCacheOf(db: Database): ToolSearchCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new ToolSearchCache()));
  return cache;
}
