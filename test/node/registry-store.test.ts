import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hlcAt } from "../../src/protocol/registry/hlc.ts";
import type { Entry } from "../../src/protocol/registry/entry.ts";
import { MemoryEntryStore } from "../../src/store/memory-entries.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { directoryEntries, registryEntries } from "../../src/store/schema/index.ts";
import type { EntryStore } from "../../src/store/entry-store.ts";
import { ed25519TestSigner, type TestIdentity } from "../support/ed25519.ts";
import { entryFor, expectedStateHash } from "../support/entries.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";
import { seeded, shuffle } from "../support/random.ts";
import { toBase32, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { DIRECTORY_KEY } from "../../src/protocol/registry/directory-entries.ts";
import { signedEntry, toEntry, type SignedEntry } from "../../src/protocol/registry/entry.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../../src/protocol/encoding/hash.ts";

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

/** A directory entry (§20.7) of `origin`; the store checks no signature, so the bytes are random. `ed25519` a key's text, canonical or not. */
async function directoryEntryFor(origin: string, wall: number, ed25519 = toBase64url(crypto.getRandomValues(new Uint8Array(32)))): Promise<Entry> {
  const body = { v: 1, url: `https://${origin.slice(0, 8)}.example.org`, keys: `sha256:${"c".repeat(64)}`, ed25519, exp: 2_000_000_000 };
  const sig = toBase64url(crypto.getRandomValues(new Uint8Array(64)));
  return toEntry(signedEntry.parse({ origin, kind: "directory", key: DIRECTORY_KEY, visibility: "public", hlc: hlcAt(wall), tombstone: false, body, sig }));
}

describe.each(kinds)("%s", (_name, make) => {
  it("keeps directory entries like any other: the slot's winner, byte for byte, in deltas, id lookups and reconciliation", async () => {
    const store = await make();
    const self = a.signer.nodeId;
    const x = toBase32(crypto.getRandomValues(new Uint8Array(20)));
    const y = toBase32(crypto.getRandomValues(new Uint8Array(20)));
    // A key text with stray bits past its 32 bytes decodes nowhere: such an entry cannot be kept as
    // bytes and must still win or lose its slot against the ones that are.
    const stray = `${"A".repeat(42)}B`;
    const x1 = await directoryEntryFor(x, T0);
    const x2 = await directoryEntryFor(x, T0 + 1, stray);
    const x3 = await directoryEntryFor(x, T0 + 2);
    const y1 = await directoryEntryFor(y, T0);
    const odd = await directoryEntryFor("not-a-node-id", T0);
    expect(await store.put([x1, y1, odd], b.signer.nodeId)).toEqual(["stored", "stored", "stored"]);
    expect(await store.put([x2], null)).toEqual(["stored"]);
    expect(await store.put([x1], null)).toEqual(["superseded"]);
    expect((await store.slots(x, "directory", DIRECTORY_KEY)).map((e) => e.canonical)).toEqual([x2.canonical]);
    expect(await store.put([x3, x2], "some-relay")).toEqual(["stored", "superseded"]);
    expect(await store.put([x3], null)).toEqual(["duplicate"]);
    const held = [x3, y1, odd];
    expect((await store.slots(x, "directory", DIRECTORY_KEY)).map((e) => e.canonical)).toEqual([x3.canonical]);
    expect([...(await store.has([x1.id, x2.id, x3.id, y1.id, odd.id]))].sort()).toEqual(held.map((e) => e.id).sort());
    expect((await store.originSlots(x)).map((s) => s.slot)).toEqual([JSON.stringify([x, "directory", DIRECTORY_KEY, "public"])]);

    const limits = { maxEntries: 100, maxBytes: 1 << 20 };
    const canonical = (es: Entry[]) => es.map((e) => e.canonical).sort();
    // y1 and odd came from b: never sent back to it; x3 came from the relay.
    expect(canonical((await store.delta({ self, peer: b.signer.nodeId }, 0, limits)).entries)).toEqual(canonical([x3]));
    expect(canonical((await store.delta({ self, peer: "some-relay" }, 0, limits)).entries)).toEqual(canonical([y1, odd]));
    expect(canonical((await store.delta({ self, peer: x }, 0, limits)).entries)).toEqual(canonical([y1, odd]));
    const paged: Entry[] = [];
    for (let since = 0, more = true; more; ) {
      const d = await store.delta({ self, peer: c.signer.nodeId }, since, { maxEntries: 1, maxBytes: 1 << 20 });
      paged.push(...d.entries);
      ({ upTo: since, more } = d);
    }
    expect(paged.map((e) => e.canonical)).toEqual([y1, odd, x3].map((e) => e.canonical));
    const pair = { self, peer: c.signer.nodeId };
    expect(canonical(await store.byIdPrefix([x3.id.slice(0, 16), y1.id.slice(0, 5), odd.id, x1.id.slice(0, 16)], pair, limits))).toEqual(canonical(held));
    expect((await store.items(pair, hlcAt(0))).sort((p, q) => (p.id < q.id ? -1 : 1))).toEqual(held.map((e) => ({ hlc: e.signed.hlc, id: e.id })).sort((p, q) => (p.id < q.id ? -1 : 1)));
    expect(await store.stateHash()).toBe(expectedStateHash(held));
  });

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

describe("libSQL repository", () => {
  it("keeps a directory entry as a row of bytes, and one it cannot rebuild byte for byte as text", async () => {
    const d = await openTestDatabase();
    open.push(d);
    const store = new EntryRepository(d.db);
    const x = toBase32(crypto.getRandomValues(new Uint8Array(20)));
    const compact = await directoryEntryFor(x, T0);
    const odd = await directoryEntryFor("not-a-node-id", T0);
    await store.put([compact, odd], null);
    const rows = await d.db.select({ seq: directoryEntries.seq, url: directoryEntries.url }).from(directoryEntries);
    // The row keeps the URL without its `https://`.
    expect(rows).toEqual([{ seq: 1, url: compact.signed.kind === "directory" ? compact.signed.body.url.replace(/^https:\/\//, "") : "" }]);
    expect((await d.db.select({ id: registryEntries.id, seq: registryEntries.seq }).from(registryEntries))).toEqual([{ id: odd.id, seq: 2 }]);
    expect(await store.head()).toMatchObject({ seq: 2 });
  });
});

describe("libSQL repository, text it does not give back as written", () => {
  // libSQL cuts text at a NUL and turns a lone surrogate into U+FFFD: a row holding either would
  // rebuild to other bytes than the origin signed, so such an entry stays whole in registry_entries.
  it("gives back each directory entry's signed bytes, whatever text its URLs hold", async () => {
    const d = await openTestDatabase();
    open.push(d);
    const store = new EntryRepository(d.db);
    const origin = () => toBase32(crypto.getRandomValues(new Uint8Array(20)));
    // A lone surrogate has no canonical form of its own (canonicalize refuses it): its JSON escape is written in after.
    const withBody = async (extra: Record<string, unknown>, surrogate?: string) => {
      const e = await directoryEntryFor(origin(), T0);
      const signed = signedEntry.parse({ ...e.signed, body: { ...(e.signed as { body: object }).body, ...extra } });
      if (!surrogate) return toEntry(signed);
      const canonical = canonicalJson(signed).replace("SURROGATE", `\\u${surrogate}`);
      return { id: await sha256Hex(canonical), canonical, signed: JSON.parse(canonical) as SignedEntry };
    };
    const nul = await withBody({ url: "https://a.example/x\u0000y" });
    const surrogate = await withBody({ url: "https://a.example/SURROGATE" }, "d800");
    const mailboxNul = await withBody({ mailboxes: ["https://m.example/\u0000"] });
    const mailboxSurrogate = await withBody({ mailboxes: ["https://m.example/SURROGATE"] }, "dfff");
    const nonAscii = await withBody({ url: "https://bücher.example/straße/日本/😀", mailboxes: ["https://почта.example/ü"] });
    // A row drops `https://` and gives it back unless what is left starts with a scheme itself.
    const plainHttp = await withBody({ url: "http://h.example/p" });
    const schemeAfterScheme = await withBody({ url: "https://http://s.example/" });
    const all = [nul, surrogate, mailboxNul, mailboxSurrogate, nonAscii, plainHttp, schemeAfterScheme];
    expect(await store.put(all, null)).toEqual(all.map(() => "stored"));

    // Only the well-formed ones are rows of bytes.
    expect((await d.db.select({ url: directoryEntries.url }).from(directoryEntries)).map((r) => r.url).sort()).toEqual(["bücher.example/straße/日本/😀", "http://h.example/p"]);
    expect((await d.db.select({ id: registryEntries.id }).from(registryEntries)).map((r) => r.id).sort()).toEqual([nul, surrogate, mailboxNul, mailboxSurrogate, schemeAfterScheme].map((e) => e.id).sort());

    for (const e of all) expect((await store.slots(e.signed.origin, "directory", DIRECTORY_KEY)).map((x) => [x.id, x.canonical])).toEqual([[e.id, e.canonical]]);
    const limits = { maxEntries: 100, maxBytes: 1 << 20 };
    const pair = { self: a.signer.nodeId, peer: b.signer.nodeId };
    const byId = (es: Entry[]) => es.map((e) => [e.id, e.canonical]).sort();
    expect(byId((await store.delta(pair, 0, limits)).entries)).toEqual(byId(all));
    expect(byId(await store.byIdPrefix(all.map((e) => e.id.slice(0, 16)), pair, limits))).toEqual(byId(all));
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
