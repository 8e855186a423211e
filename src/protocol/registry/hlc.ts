// Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014): wall-clock time in ms
// plus a counter that orders events within one ms and carries causality across nodes whose
// clocks disagree. It stamps registry entries, so the later of two writes wins even under skew.
import { z } from "zod";

/** A timestamp as it travels: 12 hex digits of ms since the epoch, then 4 of counter. */
export const hlcString = z.string().regex(/^[0-9a-f]{16}$/, "16 lowercase hex digits");

/** Entries stamped further ahead of the receiver's clock than this are refused. */
export const MAX_DRIFT_MS = 60_000;

const MAX_WALL = 2 ** 48 - 1;
const MAX_COUNTER = 0xffff;

export interface Hlc {
  wall: number;
  counter: number;
}

// Fixed width, so that string order is time order: SQL can sort and compare them as text.
export function encodeHlc({ wall, counter }: Hlc): string {
  if (!Number.isInteger(wall) || wall < 0 || wall > MAX_WALL) throw new RangeError(`HLC wall time out of range: ${wall}`);
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) throw new RangeError(`HLC counter out of range: ${counter}`);
  return wall.toString(16).padStart(12, "0") + counter.toString(16).padStart(4, "0");
}

export function decodeHlc(text: string): Hlc {
  if (!hlcString.safeParse(text).success) throw new RangeError(`not an HLC: ${text}`);
  return { wall: parseInt(text.slice(0, 12), 16), counter: parseInt(text.slice(12), 16) };
}

/** The earliest encoded HLC at a wall time: a bound for "older than". */
export function hlcAt(wall: number): string {
  return encodeHlc({ wall: Math.max(0, Math.floor(wall)), counter: 0 });
}

export class HybridClock {
  #last: Hlc = { wall: 0, counter: 0 };

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxDriftMs = MAX_DRIFT_MS,
  ) {}

  /** A new timestamp for a local event, after every one issued or observed before. */
  tick(): string {
    const pt = Math.floor(this.now());
    this.#last = pt > this.#last.wall ? { wall: pt, counter: 0 } : this.#bump(this.#last.wall, this.#last.counter + 1);
    return encodeHlc(this.#last);
  }

  /** Whether a remote timestamp is too far ahead of our wall clock to be believed. */
  tooFarAhead(remote: string): boolean {
    return decodeHlc(remote).wall > this.now() + this.maxDriftMs;
  }

  /**
   * Merges a remote timestamp, so that later local events sort after it. Returns false, and
   * leaves the clock alone, when it is too far ahead: one bad clock must not drag ours along.
   */
  observe(remote: string): boolean {
    if (this.tooFarAhead(remote)) return false;
    this.#merge(remote);
    return true;
  }

  /**
   * Moves past a timestamp this node issued itself (before a restart, or in another isolate),
   * however far ahead: a node's new entry must beat its old one even if its wall clock went back.
   */
  resume(own: string): void {
    this.#merge(own);
  }

  #merge(remote: string): void {
    const r = decodeHlc(remote);
    const pt = Math.floor(this.now());
    const l = this.#last;
    const wall = Math.max(pt, l.wall, r.wall);
    if (wall === l.wall && wall === r.wall) this.#last = this.#bump(wall, Math.max(l.counter, r.counter) + 1);
    else if (wall === l.wall) this.#last = this.#bump(wall, l.counter + 1);
    else if (wall === r.wall) this.#last = this.#bump(wall, r.counter + 1);
    else this.#last = { wall, counter: 0 };
  }

  // A counter that runs out moves time forward by 1 ms rather than wrapping: order is kept.
  #bump(wall: number, counter: number): Hlc {
    return counter > MAX_COUNTER ? { wall: wall + 1, counter: 0 } : { wall, counter };
  }
}
