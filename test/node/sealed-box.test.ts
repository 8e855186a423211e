import { describe, expect, it } from "vitest";
import { parseSeed, newSeed } from "../../src/protocol/identity/seed.ts";
import { isSealed, SealedSecretError, SecretBox } from "../../src/secrets/sealed-box.ts";

describe("SecretBox", () => {
  const seed = parseSeed(newSeed());
  const box = new SecretBox(seed);

  it("opens what it sealed, for the same context only", async () => {
    const sealed = await box.seal("ghp_secret-value", "upstreams/gh/headers");
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain("ghp_secret-value");
    expect(await box.open(sealed, "upstreams/gh/headers")).toBe("ghp_secret-value");
    await expect(box.open(sealed, "upstreams/other/headers")).rejects.toThrow(SealedSecretError);
  });

  it("seals the same value differently each time", async () => {
    expect(await box.seal("x", "c")).not.toBe(await box.seal("x", "c"));
  });

  it("refuses an altered value and one sealed under another seed", async () => {
    const sealed = await box.seal("value", "c");
    const last = sealed.at(-2) === "A" ? "B" : "A";
    await expect(box.open(sealed.slice(0, -2) + last + sealed.at(-1), "c")).rejects.toThrow(SealedSecretError);
    const other = new SecretBox(parseSeed(newSeed()));
    await expect(other.open(sealed, "c")).rejects.toThrow(/another NODE_SEED/);
    await expect(box.open("plain", "c")).rejects.toThrow(/not a sealed value/);
  });

  it("opens a value sealed under the previous seed during a rotation, and says it is not current", async () => {
    const old = await box.seal("value", "c");
    const rotated = new SecretBox(parseSeed(newSeed()), seed);
    expect(await rotated.open(old, "c")).toBe("value");
    expect(await rotated.current(old)).toBe(false);
    expect(await rotated.current(await rotated.seal("value", "c"))).toBe(true);
  });
});
