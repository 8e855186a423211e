// The pieces of the federation limits that need no process: the in-memory sliding window, and the
// per-origin quota on both entry stores.
import { describe, expect, it } from "vitest";
import { WindowCounter } from "../../src/node/access/limits/window-counter.ts";
import { MemoryEntryStore } from "../../src/store/memory-entries.ts";
import { withinQuota } from "../../src/node/registry/quota.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import type { EntryStore } from "../../src/store/entry-store.ts";
import { ed25519TestSigner } from "../support/ed25519.ts";
import { entryFor } from "../support/entries.ts";
import { openTestDatabase } from "../support/libsql.ts";
import { seeded } from "../support/random.ts";

describe("WindowCounter", () => {
  it("allows max per key in a sliding window, says how long to wait, and admits again once the oldest leave", () => {
    let now = 60_000;
    const c = new WindowCounter(2, 60, () => now);
    expect([c.over("a"), c.over("a"), c.over("b")]).toEqual([undefined, undefined, undefined]);
    now += 15_000;
    // Both of a's events are in the slot of 60 s (5 s slots): they leave 65 s after it started.
    expect(c.over("a")).toBe(50);
    now = 120_000; // a fixed window would have started again here
    expect(c.over("a")).toBe(5);
    now = 125_000;
    expect(c.over("a")).toBeUndefined();
  });

  it("holds a burst straddling a minute's boundary to the limit", () => {
    let now = 119_900;
    const c = new WindowCounter(10, 60, () => now);
    const before = Array.from({ length: 10 }, () => c.over("s"));
    now = 120_100;
    const after = Array.from({ length: 10 }, () => c.over("s"));
    expect(before.filter((w) => w === undefined)).toHaveLength(10);
    expect(after.filter((w) => w === undefined)).toHaveLength(0);
  });

  it("never admits more than the limit in any window of its length, whatever the arrivals", () => {
    let now = 1_800_000_000_000;
    const [limit, windowMs] = [7, 10_000];
    const c = new WindowCounter(limit, windowMs / 1000, () => now);
    const random = seeded(14);
    const times: number[] = [];
    for (let i = 0; i < 2000; i++) {
      now += random() < 0.7 ? Math.floor(random() * 300) : Math.floor(random() * 6000);
      if (c.over("k") === undefined) times.push(now);
    }
    let most = 0;
    for (let i = 0; i < times.length; i++) most = Math.max(most, times.filter((t) => t >= times[i]! && t < times[i]! + windowMs).length);
    expect(most).toBe(limit);
    // Not a window that never lets go: far more than the limit over the run.
    expect(times.length).toBeGreaterThan(20 * limit);
  });

  it("keeps the counts it holds when a flood of new keys fills it: the newcomers share one count", () => {
    const c = new WindowCounter(2, 60, () => 60_000);
    expect([c.over("attacker"), c.over("attacker"), c.over("attacker")]).toEqual([undefined, undefined, 65]);
    for (let i = 0; i < 50_010; i++) c.over(`flood-${i}`);
    expect(c.over("attacker")).toBe(65); // not reset by the flood
    expect(c.over("late-newcomer")).toBe(65); // counted with the overflow, already past the limit
  });

  it("makes room for new keys once the old ones' windows have passed", () => {
    let now = 60_000;
    const c = new WindowCounter(1, 60, () => now);
    for (let i = 0; i < 50_000; i++) c.over(`old-${i}`);
    // Full: newcomers share the overflow, whose one place the first takes.
    expect(c.over("new")).toBeUndefined();
    expect(c.over("second-new")).toBe(65);
    now += 66_000;
    expect(c.over("newer")).toBeUndefined();
    expect(c.over("newer")).toBe(64); // its own count (slot of 125 s, 1 s in), not the overflow's
    expect(c.over("another")).toBeUndefined();
  });
});

describe.each([
  ["memory", async () => ({ store: new MemoryEntryStore() as EntryStore, close: () => {} })],
  ["libSQL", async () => {
    const t = await openTestDatabase();
    return { store: new EntryRepository(t.db) as EntryStore, close: t.close };
  }],
])("withinQuota on the %s store", (_name, open) => {
  it("counts what an origin holds: new slots fill it, updates and withdrawals always fit", async () => {
    const { store, close } = await open();
    try {
      const origin = await ed25519TestSigner();
      const other = await ed25519TestSigner();
      const held = [await entryFor(origin, { key: "demo/a" }), await entryFor(origin, { key: "demo/b" })];
      await store.put(held, null);
      const slots = (o: string) => store.originSlots(o);
      const quota = { entries: 2, bytes: 1_000_000 };
      const offered = [
        await entryFor(origin, { key: "demo/c" }),
        await entryFor(origin, { key: "demo/a", wall: 1_732_000_000_001, version: "1.0.1" }),
        await entryFor(other, { key: "demo/c" }),
        await entryFor(origin, { key: "demo/b", wall: 1_732_000_000_001, tombstone: true }),
        await entryFor(origin, { key: "demo/d" }),
      ];
      const { fit, rejected } = await withinQuota(offered, quota, slots);
      // demo/c is a third live entry; once demo/b is withdrawn, demo/d takes its place.
      expect(fit.map((e) => [e.signed.origin === origin.signer.nodeId, e.signed.key])).toEqual([[true, "demo/a"], [false, "demo/c"], [true, "demo/b"], [true, "demo/d"]]);
      expect(rejected).toMatchObject([{ reason: "origin_entries", key: "demo/c" }]);

      const small = await withinQuota([await entryFor(origin, { key: "demo/e" })], { entries: 10, bytes: 1 }, slots);
      expect(small.rejected).toMatchObject([{ reason: "origin_bytes", key: "demo/e" }]);
    } finally {
      close();
    }
  });
});
