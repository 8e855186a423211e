// Request counts per key in sliding windows, held in this process or isolate only: a check that
// costs no store round trip, for traffic that must be turned away before any work is done.
// The store's approximation (sliding-window.ts) with coarser slots, to keep memory small: each key
// holds the counts of its last SLOTS + 1 slots of a twelfth of the window, and an event is admitted
// only while their sum is below the limit. So no window of the limit's length, aligned or not,
// admits more than the limit, and an admitted event stays counted up to one slot (5 s of a minute)
// past the window. A refused event is not counted: a source over its limit gets its next place
// when the oldest counted events leave, not later.
// Keys are bounded, so a flood of distinct sources cannot grow the map without end: once full, keys
// whose slots have all left the window are dropped (at most one sweep per slot), and if none can
// be, new keys share one overflow count while the keys already counted keep theirs.

const SLOTS = 12;
const MAX_KEYS = 50_000;
/** Not a client address, so no source can be counted under it by chance. */
const OVERFLOW = "(overflow)";

/** One key's counts: `counts[s % (SLOTS + 1)]` for the slots s from `slot` − SLOTS to `slot`. */
interface Ring {
  slot: number;
  counts: Uint32Array;
  total: number;
}

/** Moves a ring on to `slot`, dropping the counts of the slots that left the window. */
function advance(r: Ring, slot: number): void {
  if (slot <= r.slot) return;
  if (slot - r.slot > SLOTS) {
    r.counts.fill(0);
    r.total = 0;
  } else {
    for (let s = r.slot + 1; s <= slot; s++) {
      const i = s % (SLOTS + 1);
      r.total -= r.counts[i]!;
      r.counts[i] = 0;
    }
  }
  r.slot = slot;
}

export class WindowCounter {
  #rings = new Map<string, Ring>();
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly max: number,
    private readonly windowSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one event under `key` if its window has room; else the seconds until it has, and counts nothing. */
  over(key: string): number | undefined {
    const slotMs = (this.windowSeconds * 1000) / SLOTS;
    const now = this.now();
    const ring = this.#ringOf(key, Math.floor(now / slotMs));
    advance(ring, Math.floor(now / slotMs));
    if (ring.total < this.max) {
      ring.counts[ring.slot % (SLOTS + 1)]! += 1;
      ring.total += 1;
      return undefined;
    }
    // The oldest slots leave the sum one by one, each SLOTS + 1 slots after it started.
    let left = ring.total;
    let free = now;
    for (let s = ring.slot - SLOTS; s <= ring.slot && left >= this.max; s++) {
      left -= ring.counts[s % (SLOTS + 1)]!;
      free = (s + SLOTS + 1) * slotMs;
    }
    return Math.max(1, Math.ceil((free - now) / 1000));
  }

  #ringOf(key: string, slot: number): Ring {
    const known = this.#rings.get(key);
    if (known) return known;
    if (this.#rings.size >= MAX_KEYS) this.#sweep(slot);
    const counted = this.#rings.size < MAX_KEYS ? key : OVERFLOW;
    let ring = this.#rings.get(counted);
    if (!ring) this.#rings.set(counted, (ring = { slot, counts: new Uint32Array(SLOTS + 1), total: 0 }));
    return ring;
  }

  /** Drops the keys with nothing left in their window. */
  #sweep(slot: number): void {
    if (this.#sweptAt === slot) return;
    this.#sweptAt = slot;
    for (const [k, r] of this.#rings) if (r.slot < slot - SLOTS) this.#rings.delete(k);
  }
}
