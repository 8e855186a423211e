// Request counts per key in fixed windows, held in this process or isolate only: a check that
// costs no store round trip, for traffic that must be turned away before any work is done.
// Keys are bounded, so a flood of distinct sources cannot grow the map without end: once full, new
// keys share one overflow count until the window ends, and the keys already counted keep theirs.

const MAX_KEYS = 50_000;
/** Not a client address, so no source can be counted under it by chance. */
const OVERFLOW = "(overflow)";

export class WindowCounter {
  #window = 0;
  #counts = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly windowSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one event under `key`; the seconds to wait when it is over the limit, else undefined. */
  over(key: string): number | undefined {
    const windowMs = this.windowSeconds * 1000;
    const now = this.now();
    const window = Math.floor(now / windowMs);
    if (window !== this.#window) {
      this.#window = window;
      this.#counts = new Map();
    }
    const counted = this.#counts.has(key) || this.#counts.size < MAX_KEYS ? key : OVERFLOW;
    const n = (this.#counts.get(counted) ?? 0) + 1;
    this.#counts.set(counted, n);
    return n > this.max ? Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000)) : undefined;
  }
}
