// A read that is kept for a short while per process or isolate. Writes through this process
// invalidate it at once; other isolates see a change within `ttlMs`.
export class CachedRead<T> {
  #value: Promise<T> | undefined;
  #loadedAt = 0;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
  ) {}

  get(): Promise<T> {
    const now = Date.now();
    if (!this.#value || now - this.#loadedAt > this.ttlMs) {
      this.#loadedAt = now;
      // Settled into a real promise: a drizzle query is a thenable that runs again on every await.
      const value = (async () => this.load())();
      // A failed load is not kept.
      value.catch(() => {
        if (this.#value === value) this.#value = undefined;
      });
      this.#value = value;
    }
    return this.#value;
  }

  invalidate(): void {
    this.#value = undefined;
  }
}
