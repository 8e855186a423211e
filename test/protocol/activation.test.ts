// The feature activation rule (docs/protocol.md §20.5): threshold crossing, trust weighting with
// a floor, hysteresis, and use only with peers that advertise the feature.
import { describe, expect, it } from "vitest";
import { adoption, isActive, usableWith, weightOf, type KnownCard } from "../../src/protocol/activation.ts";

const pending = { feature: "new-thing", threshold: 0.6, hysteresis: 0.1 };
const card = (trust: number, adopts: boolean): KnownCard => ({ trust, features: adopts ? ["ping", "new-thing"] : ["ping"] });

describe("feature adoption", () => {
  it("is the share of known nodes advertising the feature, 0 with none known", () => {
    expect(adoption("new-thing", [], 0.1)).toBe(0);
    expect(adoption("new-thing", [card(1, true), card(1, false), card(1, true), card(1, true)], 0.1)).toBe(0.75);
  });

  it("weighs each node by trust, so a crowd of untrusted nodes cannot outvote trusted ones", () => {
    const trusted = [card(0.9, false), card(0.9, false)];
    const sybils = Array.from({ length: 10 }, () => card(0, true));
    // Ten unknown nodes at the floor of 0.1 weigh 1.0 against 1.8.
    expect(adoption("new-thing", [...trusted, ...sybils], 0.1)).toBeCloseTo(1 / 2.8, 10);
    expect(isActive(pending, adoption("new-thing", [...trusted, ...sybils], 0.1), false)).toBe(false);
    // Unweighted, the same cards would be 10 of 12.
    expect(adoption("new-thing", [...trusted, ...sybils], 1)).toBeCloseTo(10 / 12, 10);
  });

  it("counts an unknown node at the floor, and caps trust at 1", () => {
    expect(weightOf(0, 0.1)).toBe(0.1);
    expect(weightOf(0.5, 0.1)).toBe(0.5);
    expect(weightOf(3, 0.1)).toBe(1);
    expect(adoption("new-thing", [card(0, true), card(0, false)], 0)).toBe(0);
  });
});

describe("activation", () => {
  it("turns on when adoption reaches the threshold", () => {
    expect(isActive(pending, 0.59, false)).toBe(false);
    expect(isActive(pending, 0.6, false)).toBe(true);
    expect(isActive(pending, 0.9, false)).toBe(true);
  });

  it("stays on down to threshold − hysteresis, then turns off", () => {
    expect(isActive(pending, 0.55, true)).toBe(true);
    expect(isActive(pending, 0.5, true)).toBe(true);
    expect(isActive(pending, 0.49, true)).toBe(false);
    // And off again, it needs the full threshold to come back.
    expect(isActive(pending, 0.55, false)).toBe(false);
  });

  it("follows adoption as cards change, without flapping around the threshold", () => {
    let on = false;
    const states: boolean[] = [];
    for (const share of [0.3, 0.58, 0.61, 0.57, 0.59, 0.52, 0.45, 0.58, 0.62]) states.push((on = isActive(pending, share, on)));
    expect(states).toEqual([false, false, true, true, true, true, false, false, true]);
  });
});

describe("use with a peer", () => {
  const pendings = [pending];
  it("uses an active pending feature only with peers that advertise it", () => {
    const active = new Set(["new-thing"]);
    expect(usableWith("new-thing", ["ping", "new-thing"], active, pendings)).toBe(true);
    expect(usableWith("new-thing", ["ping"], active, pendings)).toBe(false);
  });

  it("does not use a pending feature that is not active, even with a peer that advertises it", () => {
    expect(usableWith("new-thing", ["new-thing"], new Set(), pendings)).toBe(false);
  });

  it("uses a feature that is not pending whenever the peer advertises it", () => {
    expect(usableWith("ping", ["ping"], new Set(), pendings)).toBe(true);
    expect(usableWith("ping", [], new Set(), pendings)).toBe(false);
  });
});
