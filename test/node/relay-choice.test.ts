// Provider choice and the result cache of relayed calls: pure, in-memory parts.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { ResultCache } from "../../src/node/relay/cache.ts";
import { ProviderStats } from "../../src/node/relay/choice.ts";
import { seeded } from "../support/random.ts";

const ok = (text: string): CallToolResult => ({ content: [{ type: "text", text }] });

describe("provider choice", () => {
  it("puts the faster of two reliable providers first", () => {
    const stats = new ProviderStats();
    for (let i = 0; i < 10; i++) {
      stats.record("fast", true, 5);
      stats.record("slow", true, 40);
    }
    expect(stats.order(["slow", "fast"])).toEqual(["fast", "slow"]);
  });

  it("ranks a fast provider that keeps failing behind a slower one that answers", () => {
    const stats = new ProviderStats();
    for (let i = 0; i < 10; i++) {
      stats.record("flaky", i % 3 === 0, 5);
      stats.record("steady", true, 20);
    }
    expect(stats.score("flaky").success).toBeLessThan(0.6);
    expect(stats.order(["flaky", "steady"])[0]).toBe("steady");
  });

  it("spreads calls among equals", () => {
    const stats = new ProviderStats();
    for (let i = 0; i < 10; i++) for (const n of ["a", "b", "c"]) stats.record(n, true, 10 + (n === "c" ? 0.5 : 0));
    const random = seeded(7);
    const firsts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const first = stats.order(["a", "b", "c"], random)[0]!;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    for (const n of ["a", "b", "c"]) expect(firsts.get(n)).toBeGreaterThan(60);
  });

  it("tries a provider it never measured, and learns from one failure", () => {
    const stats = new ProviderStats();
    expect(stats.order(["new"])).toEqual(["new"]);
    stats.record("known", true, 10);
    stats.record("new", false, 3000);
    expect(stats.order(["new", "known"])).toEqual(["known", "new"]);
  });
});

describe("result cache", () => {
  it("answers the same tool, fingerprint and arguments within the TTL only", () => {
    const cache = new ResultCache();
    const key = ResultCache.key("n/up/t", "sha256:aa", { b: 2, a: 1 });
    cache.put(key, ok("x"), 10, 1_000);
    // Arguments are compared in canonical form: key order does not matter.
    expect(cache.get(ResultCache.key("n/up/t", "sha256:aa", { a: 1, b: 2 }), 5_000)).toEqual(ok("x"));
    expect(cache.get(ResultCache.key("n/up/t", "sha256:bb", { a: 1, b: 2 }), 5_000)).toBeUndefined();
    expect(cache.get(ResultCache.key("n/up/t", "sha256:aa", { a: 1, b: 3 }), 5_000)).toBeUndefined();
    expect(cache.get(key, 11_000)).toBeUndefined();
  });

  it("never keeps a tool error", () => {
    const cache = new ResultCache();
    const key = ResultCache.key("n/up/t", "sha256:aa", {});
    cache.put(key, { ...ok("failed"), isError: true }, 60, 0);
    expect(cache.get(key, 1)).toBeUndefined();
  });

  it("evicts the oldest entry beyond its bound", () => {
    const cache = new ResultCache();
    for (let i = 0; i <= 1000; i++) cache.put(ResultCache.key("n/up/t", "sha256:aa", { i }), ok(String(i)), 60, 0);
    expect(cache.get(ResultCache.key("n/up/t", "sha256:aa", { i: 0 }), 1)).toBeUndefined();
    expect(cache.get(ResultCache.key("n/up/t", "sha256:aa", { i: 1000 }), 1)).toEqual(ok("1000"));
  });
});
