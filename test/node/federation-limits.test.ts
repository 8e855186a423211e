// The pieces of the federation limits that need no process: the in-memory window, and the
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

describe("WindowCounter", () => {
  it("allows max per window and key, says how long to wait, and starts again with the next window", () => {
    let now = 60_000;
    const c = new WindowCounter(2, 60, () => now);
    expect([c.over("a"), c.over("a"), c.over("b")]).toEqual([undefined, undefined, undefined]);
    now += 15_000;
    expect(c.over("a")).toBe(45);
    now = 120_000;
    expect(c.over("a")).toBeUndefined();
  });

  it("keeps the counts it holds when a flood of new keys fills it: the newcomers share one count", () => {
    const c = new WindowCounter(2, 60, () => 60_000);
    expect([c.over("attacker"), c.over("attacker"), c.over("attacker")]).toEqual([undefined, undefined, 60]);
    for (let i = 0; i < 50_010; i++) c.over(`flood-${i}`);
    expect(c.over("attacker")).toBe(60); // not reset by the flood
    expect(c.over("late-newcomer")).toBe(60); // counted with the overflow, already past the limit
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
