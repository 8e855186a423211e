import { describe, expect, it } from "vitest";
import { EncodingError, fromBase32, toBase32 } from "../../src/protocol/encoding/bytes.ts";
import { seeded } from "../support/random.ts";

describe("fromBase32", () => {
  it("gives back the bytes of every length from 0 to 40", () => {
    const random = seeded(32);
    for (let n = 0; n <= 40; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
      expect(fromBase32(toBase32(bytes)), `${n} bytes`).toEqual(bytes);
    }
  });

  it("refuses lengths no byte count encodes to (1, 3 and 6 mod 8)", () => {
    for (const len of [1, 3, 6, 9, 11, 14]) expect(() => fromBase32("a".repeat(len)), `${len} characters`).toThrow(EncodingError);
  });

  it("refuses trailing bits that are not zero, and characters outside the alphabet", () => {
    // One byte is 8 bits in two characters (10 bits): the last 2 must be zero.
    expect(fromBase32("aa")).toEqual(Uint8Array.of(0));
    expect(() => fromBase32("ab")).toThrow(EncodingError);
    // 20 bytes (a node id) in 32 characters leave no bits over; 4 bytes in 7 leave 3.
    expect(() => fromBase32(`${toBase32(Uint8Array.of(1, 2, 3, 4)).slice(0, 6)}b`)).toThrow(EncodingError);
    expect(() => fromBase32("A8")).toThrow(EncodingError);
  });
});
