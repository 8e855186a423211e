import { hkdfSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { deriveBytes, newSeed, parseSeed, SeedError } from "../../src/protocol/identity/seed.ts";

describe("NODE_SEED", () => {
  it("round-trips through base64url and refuses other lengths and alphabets", () => {
    const text = newSeed();
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(toBase64url(parseSeed(text))).toBe(text);
    expect(() => parseSeed("AAAA")).toThrow(SeedError);
    expect(() => parseSeed("+".repeat(43))).toThrow(/base64url/);
  });

  it("derives with HKDF-SHA256, salt mcpfed/1 and the label as info", async () => {
    const seed = new Uint8Array(32).map((_, i) => i);
    const expected = new Uint8Array(hkdfSync("sha256", seed, "mcpfed/1", "mcpfed/1 test", 48));
    expect(await deriveBytes(seed, "mcpfed/1 test", 48)).toEqual(expected);
    expect(await deriveBytes(seed, "mcpfed/1 other")).not.toEqual(expected.slice(0, 32));
  });
});
