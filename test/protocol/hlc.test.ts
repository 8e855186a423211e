import { describe, expect, it } from "vitest";
import { decodeHlc, encodeHlc, hlcAt, HybridClock, MAX_DRIFT_MS } from "../../src/protocol/registry/hlc.ts";

describe("HLC encoding", () => {
  it("is 16 hex digits, wall then counter, and round-trips", () => {
    const text = encodeHlc({ wall: 1_732_180_000_123, counter: 7 });
    expect(text).toBe("01934df93d7b0007");
    expect(decodeHlc(text)).toEqual({ wall: 1_732_180_000_123, counter: 7 });
    expect(hlcAt(1_732_180_000_123)).toBe("01934df93d7b0000");
  });

  it("sorts as text in time order", () => {
    const stamps = [
      { wall: 5, counter: 0 },
      { wall: 5, counter: 1 },
      { wall: 5, counter: 0xffff },
      { wall: 6, counter: 0 },
      { wall: 2 ** 40, counter: 3 },
    ].map(encodeHlc);
    expect([...stamps].sort()).toEqual(stamps);
  });

  it("refuses what it cannot encode or parse", () => {
    expect(() => encodeHlc({ wall: -1, counter: 0 })).toThrow(RangeError);
    expect(() => encodeHlc({ wall: 2 ** 48, counter: 0 })).toThrow(RangeError);
    expect(() => encodeHlc({ wall: 1, counter: 0x10000 })).toThrow(RangeError);
    expect(() => decodeHlc("0193500DC3DB0007")).toThrow(RangeError);
    expect(() => decodeHlc("0193500dc3db007")).toThrow(RangeError);
  });
});

describe("HybridClock", () => {
  it("follows the wall clock, and counts within one millisecond", () => {
    let now = 1000;
    const clock = new HybridClock(() => now);
    expect(clock.tick()).toBe(encodeHlc({ wall: 1000, counter: 0 }));
    expect(clock.tick()).toBe(encodeHlc({ wall: 1000, counter: 1 }));
    now = 1005;
    expect(clock.tick()).toBe(encodeHlc({ wall: 1005, counter: 0 }));
  });

  it("never goes back when the wall clock does", () => {
    let now = 10_000;
    const clock = new HybridClock(() => now);
    const first = clock.tick();
    now = 4_000;
    const second = clock.tick();
    expect(second > first).toBe(true);
    expect(decodeHlc(second)).toEqual({ wall: 10_000, counter: 1 });
  });

  it("moves to the next millisecond when the counter runs out", () => {
    const clock = new HybridClock(() => 50);
    clock.observe(encodeHlc({ wall: 50, counter: 0xffff }));
    expect(decodeHlc(clock.tick())).toEqual({ wall: 51, counter: 1 });
  });

  it("stamps after what it observed, within the drift bound", () => {
    const clock = new HybridClock(() => 1_000_000);
    const remote = encodeHlc({ wall: 1_000_000 + MAX_DRIFT_MS - 1, counter: 9 });
    expect(clock.observe(remote)).toBe(true);
    const next = clock.tick();
    expect(next > remote).toBe(true);
    expect(decodeHlc(next)).toEqual({ wall: 1_000_000 + MAX_DRIFT_MS - 1, counter: 11 });
  });

  it("refuses a timestamp more than 60 s ahead, and is not moved by it", () => {
    const clock = new HybridClock(() => 1_000_000);
    const before = clock.tick();
    const remote = encodeHlc({ wall: 1_000_000 + MAX_DRIFT_MS + 1, counter: 0 });
    expect(clock.tooFarAhead(remote)).toBe(true);
    expect(clock.observe(remote)).toBe(false);
    expect(decodeHlc(clock.tick())).toEqual({ ...decodeHlc(before), counter: 1 });
  });

  it("keeps causality across skewed clocks: every event sorts after every event it has seen", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let real = 1_000_000;
    const skews = [0, -30_000, 45_000];
    const clocks = skews.map((skew) => new HybridClock(() => real + skew));
    const latest = clocks.map(() => "");
    for (let step = 0; step < 5000; step++) {
      real += Math.floor(random() * 3);
      const i = Math.floor(random() * clocks.length);
      const stamp = clocks[i]!.tick();
      expect(stamp > latest[i]!).toBe(true);
      latest[i] = stamp;
      // Send it to another node, which must then stamp after it.
      const j = Math.floor(random() * clocks.length);
      if (j !== i && clocks[j]!.observe(stamp)) {
        const after = clocks[j]!.tick();
        expect(after > stamp).toBe(true);
        latest[j] = after;
      }
    }
  });
});

describe("HybridClock.resume", () => {
  it("moves past the node's own earlier timestamp however far ahead it is", () => {
    const clock = new HybridClock(() => 1_000_000);
    const own = encodeHlc({ wall: 1_000_000 + 3_600_000, counter: 4 });
    expect(clock.observe(own)).toBe(false);
    clock.resume(own);
    expect(clock.tick() > own).toBe(true);
  });
});
