// Each branch of the HLC merge (docs/protocol.md §7.2), with the clock and the remote chosen so
// that every other branch would give a different next timestamp. Written after a mutation run
// found the branches untested (docs/mutation.md).
import { describe, expect, it } from "vitest";
import { decodeHlc, encodeHlc, HybridClock } from "../../src/protocol/registry/hlc.ts";

/** A clock at wall time `now` whose last timestamp is { wall: now, counter }. */
function clockAt(now: { t: number }, counter: number): HybridClock {
  const clock = new HybridClock(() => now.t);
  for (let i = 0; i <= counter; i++) clock.tick();
  return clock;
}

const next = (clock: HybridClock) => decodeHlc(clock.tick());

describe("HLC merge", () => {
  it("same wall on both sides: one past the larger counter", () => {
    const now = { t: 1000 };
    const clock = clockAt(now, 2);
    expect(clock.observe(encodeHlc({ wall: 1000, counter: 5 }))).toBe(true);
    expect(next(clock)).toEqual({ wall: 1000, counter: 7 });
    clock.observe(encodeHlc({ wall: 1000, counter: 1 }));
    expect(next(clock)).toEqual({ wall: 1000, counter: 9 });
  });

  it("the local wall is the latest: one past the local counter, whatever the remote's", () => {
    const now = { t: 1000 };
    const clock = clockAt(now, 2);
    clock.observe(encodeHlc({ wall: 999, counter: 9 }));
    expect(next(clock)).toEqual({ wall: 1000, counter: 4 });
  });

  it("the remote wall is the latest: one past the remote counter", () => {
    const now = { t: 1000 };
    const clock = clockAt(now, 2);
    clock.observe(encodeHlc({ wall: 1200, counter: 4 }));
    expect(next(clock)).toEqual({ wall: 1200, counter: 6 });
  });

  it("the physical clock is the latest: counter 0 at the new wall", () => {
    const now = { t: 1000 };
    const clock = clockAt(now, 2);
    now.t = 2000;
    clock.observe(encodeHlc({ wall: 1500, counter: 7 }));
    expect(next(clock)).toEqual({ wall: 2000, counter: 1 });
  });

  it("keeps the largest counter, and moves to the next millisecond only past it", () => {
    const now = { t: 1000 };
    const clock = clockAt(now, 0);
    clock.observe(encodeHlc({ wall: 1000, counter: 0xfffe }));
    expect(next(clock)).toEqual({ wall: 1001, counter: 0 });
  });

  it("names what it cannot encode or parse", () => {
    expect(() => encodeHlc({ wall: -1, counter: 0 })).toThrow("HLC wall time out of range: -1");
    expect(() => encodeHlc({ wall: 0, counter: 0x10000 })).toThrow("HLC counter out of range: 65536");
    expect(() => encodeHlc({ wall: 0, counter: -1 })).toThrow("HLC counter out of range: -1");
    expect(() => encodeHlc({ wall: 0, counter: 1.5 })).toThrow("HLC counter out of range: 1.5");
    expect(() => decodeHlc("xyz")).toThrow("not an HLC: xyz");
  });
});
