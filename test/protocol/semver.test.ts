import { describe, expect, it } from "vitest";
import { compareSemver, isSemver } from "../../src/protocol/registry/semver.ts";

describe("semver", () => {
  it("orders by precedence, pre-releases below their release", () => {
    const ordered = [
      "0.9.9",
      "1.0.0-0",
      "1.0.0-2",
      "1.0.0-10",
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "1.0.1",
      "1.2.0",
      "1.10.0",
      "2.0.0",
    ];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort(compareSemver)).toEqual(ordered);
  });

  it("ignores build metadata for precedence", () => {
    expect(compareSemver("1.0.0+build.1", "1.0.0+build.2")).toBe(0);
    expect(compareSemver("1.0.0-rc.1+x", "1.0.0")).toBeLessThan(0);
  });

  it("accepts only well-formed versions", () => {
    for (const ok of ["0.0.0", "1.2.3", "1.2.3-rc.1", "1.2.3-x-y.0", "1.2.3+sha.5114f85", "10.20.30-alpha+001"]) expect(isSemver(ok)).toBe(true);
    for (const bad of ["1.2", "v1.2.3", "01.2.3", "1.02.3", "1.2.3-01", "1.2.3-", "1.2.3+", "1.2.3-a..b", "1.2.3 ", "99999999999999999999.0.0"]) {
      expect(isSemver(bad)).toBe(false);
    }
    expect(() => compareSemver("1.2", "1.2.3")).toThrow(RangeError);
  });
});
