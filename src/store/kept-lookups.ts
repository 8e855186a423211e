// Lookups by key kept for a short while per process or isolate, like CachedRead for one value:
// bounded (least recently used first out), cleared whole by the caller on a change it makes, seen
// by other isolates within `ttlMs`. A miss is kept only when `keepMiss` vouches for the key, since
// strangers choose keys; a failed lookup is never kept.
export interface KeptLookupsLimits {
  ttlMs: number;
  /** Keys kept at most: the least recently used go first. */
  max: number;
}

interface Kept<V> {
  at: number;
  value: Promise<V | undefined>;
}

export class KeptLookups<V> {
  readonly #kept = new Map<string, Kept<V>>();

  constructor(
    private readonly load: (key: string) => Promise<V | undefined>,
    private readonly limits: KeptLookupsLimits,
    private readonly keepMiss: (key: string) => Promise<boolean> = async () => false,
  ) {}

  get size(): number {
    return this.#kept.size;
  }

  find(key: string): Promise<V | undefined> {
    const now = Date.now();
    const hit = this.#kept.get(key);
    this.#kept.delete(key);
    if (hit && now - hit.at <= this.limits.ttlMs) {
      this.#kept.set(key, hit); // most recently used last
      return hit.value;
    }
    // Settled into a real promise: a drizzle query is a thenable that runs again on every await.
    const value = (async () => this.load(key))();
    const kept = { at: now, value };
    const forget = () => {
      if (this.#kept.get(key) === kept) this.#kept.delete(key);
    };
    value.then(async (v) => {
      if (v === undefined && !(await this.keepMiss(key).catch(() => false))) forget();
    }, forget);
    this.#kept.set(key, kept);
    if (this.#kept.size > this.limits.max) this.#kept.delete(this.#kept.keys().next().value!);
    return value;
  }

  clear(): void {
    this.#kept.clear();
  }
}
