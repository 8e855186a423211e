import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hlcAt } from "../../src/protocol/registry/hlc.ts";
import type { Entry } from "../../src/protocol/registry/entry.ts";
import { MemoryEntryStore } from "../../src/store/memory-entries.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import type { EntryStore } from "../../src/store/entry-store.ts";
import { ed25519TestSigner, type TestIdentity } from "../support/ed25519.ts";
import { entryFor, expectedStateHash } from "../support/entries.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";
import { seeded, shuffle } from "../support/random.ts";

const T0 = 1_732_000_000_000;
const open: TestDatabase[] = [];
afterAll(() => open.forEach((d) => d.close()));

async function libsqlStore(): Promise<EntryStore> {
  const d = await openTestDatabase();
  open.push(d);
  return new EntryRepository(d.db);
}

const kinds: [string, () => Promise<EntryStore>][] = [
  ["libSQL repository", libsqlStore],
  ["in-memory store", async () => new MemoryEntryStore()],
];

let a: TestIdentity;
let b: TestIdentity;
let c: TestIdentity;
beforeAll(async () => {
  [a, b, c] = await Promise.all([ed25519TestSigner(), ed25519TestSigner(), ed25519TestSigner()]);
});

describe.each(kinds)("%s", (_name, make) => {
  it("keeps the winner of each slot: higher HLC, then lower id", async () => {
    const store = await make();
    const v1 = await entryFor(a, { wall: T0 });
    const v2 = await entryFor(a, { wall: T0 + 1 });
    expect(await store.put([v1], null)).toEqual(["stored"]);
    expect(await store.put([v1], null)).toEqual(["duplicate"]);
    expect(await store.put([v2], null)).toEqual(["stored"]);
    expect(await store.put([v1], "peer")).toEqual(["superseded"]);
    expect((await store.slots(a.signer.nodeId, "tool", "demo/echo")).map((e) => e.id)).toEqual([v2.id]);
    expect([...(await store.has([v1.id, v2.id]))]).toEqual([v2.id]);
    // Same HLC, different content: the lower id wins whichever arrives first.
    const x = await entryFor(a, { wall: T0 + 5, description: "x" });
    const y = await entryFor(a, { wall: T0 + 5, description: "y" });
    const [low, high] = x.id < y.id ? [x, y] : [y, x];
    expect(await store.put([high, low], null)).toEqual(["stored", "stored"]);
    expect(await store.put([high], null)).toEqual(["superseded"]);
    expect((await store.slots(a.signer.nodeId, "tool", "demo/echo")).map((e) => e.id)).toEqual([low.id]);
  });

  it("holds one entry per visibility in the slots of a key", async () => {
    const store = await make();
    const pub = await entryFor(a, { wall: T0, visibility: "public" });
    const peers = await entryFor(a, { wall: T0 + 1, visibility: "peers" });
    await store.put([pub, peers], null);
    expect((await store.slots(a.signer.nodeId, "tool", "demo/echo")).map((e) => e.id).sort()).toEqual([pub.id, peers.id].sort());
  });

  it("gives each stored entry a new seq; the head never moves back", async () => {
    const store = await make();
    const h0 = await store.head();
    expect(h0.seq).toBe(0);
    expect(h0.epoch).toMatch(/^[0-9a-f]{16}$/);
    const t = await entryFor(a, { wall: T0, tombstone: true });
    await store.put([await entryFor(b, { wall: T0 }), t], null);
    expect((await store.head()).seq).toBe(2);
    expect(await store.collect(hlcAt(T0 + 1))).toBe(1);
    expect(await store.head()).toEqual({ epoch: h0.epoch, seq: 2 });
    await store.put([await entryFor(c, { wall: T0 })], null);
    expect((await store.head()).seq).toBe(3);
  });

  it("deltas carry own entries and others' public ones, never back to where they came from", async () => {
    const store = await make();
    const self = a.signer.nodeId;
    const mine = await entryFor(a, { key: "demo/mine", visibility: "peers" });
    const bPublic = await entryFor(b, { key: "demo/bpub", visibility: "public" });
    const bPeers = await entryFor(b, { key: "demo/bpeers", visibility: "peers" });
    const cPublic = await entryFor(c, { key: "demo/cpub", visibility: "public" });
    await store.put([mine], null);
    await store.put([bPublic, bPeers], b.signer.nodeId);
    await store.put([cPublic], "some-relay");
    const limits = { maxEntries: 100, maxBytes: 1 << 20 };
    const toC = await store.delta({ self, peer: c.signer.nodeId }, 0, limits);
    expect(toC.entries.map((e) => e.id).sort()).toEqual([mine.id, bPublic.id].sort());
    expect(toC).toMatchObject({ upTo: 4, more: false });
    const toB = await store.delta({ self, peer: b.signer.nodeId }, 0, limits);
    expect(toB.entries.map((e) => e.id).sort()).toEqual([mine.id, cPublic.id].sort());
    const toRelay = await store.delta({ self, peer: "some-relay" }, 0, limits);
    expect(toRelay.entries.map((e) => e.id).sort()).toEqual([mine.id, bPublic.id].sort());
    expect((await store.delta({ self, peer: c.signer.nodeId }, 4, limits)).entries).toEqual([]);
  });

  it("pages deltas by count and bytes, always moving forward", async () => {
    const store = await make();
    const self = a.signer.nodeId;
    const entries: Entry[] = [];
    for (let i = 0; i < 7; i++) entries.push(await entryFor(a, { key: `demo/t${i}` }));
    await store.put(entries, null);
    const pair = { self, peer: b.signer.nodeId };
    for (const limits of [{ maxEntries: 3, maxBytes: 1 << 20 }, { maxEntries: 100, maxBytes: 1 }]) {
      const seen: string[] = [];
      let since = 0;
      for (let page = 0; page < 10; page++) {
        const d = await store.delta(pair, since, limits);
        expect(d.entries.length).toBeGreaterThan(0);
        expect(d.upTo).toBeGreaterThan(since);
        seen.push(...d.entries.map((e) => e.id));
        since = d.upTo;
        if (!d.more) break;
      }
      expect(seen).toEqual(entries.map((e) => e.id));
    }
  });

  it("serves ids and reconciliation items only from the pair's universe", async () => {
    const store = await make();
    const self = a.signer.nodeId;
    const bPeers = await entryFor(b, { key: "demo/bpeers", visibility: "peers" });
    const cPublic = await entryFor(c, { key: "demo/cpub" });
    const oldTomb = await entryFor(c, { key: "demo/gone", tombstone: true, wall: T0 - 10_000 });
    await store.put([bPeers, cPublic, oldTomb], b.signer.nodeId);
    const limits = { maxEntries: 100, maxBytes: 1 << 20 };
    const prefixes = [bPeers.id.slice(0, 16), cPublic.id.slice(0, 16), oldTomb.id];
    expect((await store.byIdPrefix(prefixes, { self, peer: c.signer.nodeId }, limits)).map((e) => e.id).sort()).toEqual([cPublic.id, oldTomb.id].sort());
    expect((await store.byIdPrefix(prefixes, { self, peer: b.signer.nodeId }, limits)).length).toBe(3);
    const items = await store.items({ self, peer: c.signer.nodeId }, hlcAt(T0 - 5_000));
    expect(items.map((i) => i.id).sort()).toEqual([cPublic.id]);
    expect((await store.items({ self, peer: b.signer.nodeId }, hlcAt(0))).length).toBe(3);
  });

  it("keeps the two halves of a peer's cursor apart", async () => {
    const store = await make();
    expect(await store.cursor("p")).toEqual({});
    await store.saveAcked("p", 5, 100);
    await store.saveTheirs("p", { epoch: "00112233aabbccdd", seq: 9 }, 200);
    await store.saveAcked("p", 6, 300);
    expect(await store.cursor("p")).toEqual({ acked: { seq: 6, at: 300 }, theirs: { epoch: "00112233aabbccdd", seq: 9, at: 200 } });
    expect(await store.cursor("q")).toEqual({});
  });

  it("collects only tombstones older than the horizon", async () => {
    const store = await make();
    const oldTomb = await entryFor(a, { key: "demo/a", tombstone: true, wall: T0 });
    const newTomb = await entryFor(a, { key: "demo/b", tombstone: true, wall: T0 + 10 });
    const oldLive = await entryFor(a, { key: "demo/c", wall: T0 });
    await store.put([oldTomb, newTomb, oldLive], null);
    expect(await store.collect(hlcAt(T0 + 5))).toBe(1);
    expect([...(await store.has([oldTomb.id, newTomb.id, oldLive.id]))].sort()).toEqual([newTomb.id, oldLive.id].sort());
  });
});

describe("both stores", () => {
  it("end in the same state as the conflict rule, whatever the order and batching", async () => {
    const random = seeded(21);
    const origins = [a, b, c];
    const pool: Entry[] = [];
    for (let i = 0; i < 150; i++) {
      const o = origins[Math.floor(random() * 3)]!;
      pool.push(
        await entryFor(o, {
          key: `demo/k${Math.floor(random() * 5)}`,
          visibility: random() < 0.3 ? "peers" : "public",
          // Few distinct HLCs: many ties for the id to break.
          wall: T0 + Math.floor(random() * 4),
          tombstone: random() < 0.3,
          description: `d${i}`,
        }),
      );
    }
    const want = await expectedStateHash(pool);
    for (let run = 0; run < 4; run++) {
      for (const [, make] of kinds) {
        const store = await make();
        const order = shuffle(pool, random);
        while (order.length > 0) await store.put(order.splice(0, 1 + Math.floor(random() * 20)), random() < 0.5 ? null : "peer");
        expect(await store.stateHash()).toBe(want);
      }
    }
  });
});
