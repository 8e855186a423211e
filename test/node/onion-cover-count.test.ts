// How many cover packets a tick sends (docs/protocol.md §14.10): the rate over one tick period, its
// fraction sent with that probability, never more than MAX_COVER_PER_TICK.
import { expect, it } from "vitest";
import { coverCount, MAX_COVER_PER_TICK } from "../../src/node/routes/onion/cover.ts";

it("sends the whole part of rate × period and the fraction with that probability", () => {
  expect(coverCount(0, 60, () => 0)).toBe(0);
  expect(coverCount(6, 30, () => 0.99)).toBe(3);
  // 1 a minute over 20 s: a third of a packet; sent when the draw falls under 1/3.
  expect(coverCount(1, 20, () => 0.3)).toBe(1);
  expect(coverCount(1, 20, () => 0.34)).toBe(0);
  expect(coverCount(5, 90, () => 0.49)).toBe(8);
  expect(coverCount(5, 90, () => 0.5)).toBe(7);
});

it("averages the rate over many ticks", () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let sent = 0;
  for (let i = 0; i < 3000; i++) sent += coverCount(1, 20, random);
  expect(sent / 3000).toBeGreaterThan(0.3);
  expect(sent / 3000).toBeLessThan(0.37);
});

it("caps a tick at MAX_COVER_PER_TICK, however long the period", () => {
  expect(coverCount(600, 86_400, () => 0)).toBe(MAX_COVER_PER_TICK);
});
