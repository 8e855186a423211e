// A sliding window of counts, held in the store as slots of 1/SLOTS of the window each. A check
// sums the slots that any part of the last window falls in (the current one and the SLOTS before
// it), so every event of the last `windowMs` is counted: a limit checked against that sum holds in
// every window of its length, not only in windows aligned to a multiple of it. The price is that
// an event stays counted up to one slot (a fiftieth of the window) past the window's end.
// One row per key and slot: at most SLOTS + 1 live rows a key, whatever the limit.

/** Slots per window: windowMs / SLOTS = 20 ms per second of window, a whole number of ms. */
export const SLOTS = 50;

export interface SlidingWindow {
  key: string;
  /** The start of the slot `now` falls in, where an event is counted. */
  at: number;
  /** The start of the oldest slot counted: SLOTS slots before `at`. */
  from: number;
  slotMs: number;
}

export function slidingWindow(key: string, windowSeconds: number, now: number): SlidingWindow {
  const slotMs = (windowSeconds * 1000) / SLOTS;
  const at = Math.floor(now / slotMs) * slotMs;
  return { key, at, from: at - SLOTS * slotMs, slotMs };
}

/**
 * The seconds until a window whose slots hold `slots` (oldest first, those from `w.from` on) has
 * room for one more event under `limit`: the oldest slots leave the sum one by one, each SLOTS + 1
 * slots after it started, until what is left is below the limit. At least 1.
 */
export function secondsUntilRoom(w: SlidingWindow, slots: readonly { start: number; count: number }[], limit: number, now: number): number {
  let left = slots.reduce((n, s) => n + s.count, 0);
  let free = now;
  for (const s of slots) {
    if (left < limit) break;
    left -= s.count;
    free = s.start + (SLOTS + 1) * w.slotMs;
  }
  return Math.max(1, Math.ceil((free - now) / 1000));
}
