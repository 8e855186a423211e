// The directory over compact entries (src/node/discovery/directory.ts, protocol §20.7): a node
// known only by its directory entry is placed with the entry's URL; its card is fetched on first
// contact and used only when it is the one the entry stands for; an expired entry drops out.
import { describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { eq, inArray } from "drizzle-orm";
import { fromBase32, toBase32, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { DIRECTORY_KEY } from "../../src/protocol/registry/directory-entries.ts";
import { hlcAt } from "../../src/protocol/registry/hlc.ts";
import { signedEntry, toEntry, type Entry } from "../../src/protocol/registry/entry.ts";
import { directoryEntries, registryEntries, registryLog } from "../../src/store/schema/index.ts";
import { Directory } from "../../src/node/discovery/directory.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { newGeneration } from "../../src/store/store-generation.ts";
import { memoryDb } from "../support/libsql.ts";
import { vector } from "../protocol/paths.ts";

const v = vector<{ cards: { origin: Card; stranger: Card }; entry: unknown }>("registry/directory-entries.json");
const entry = signedEntry.parse(v.entry);
const NOW = v.cards.origin.iat + 60;

async function directory(now: number, serves: Card | undefined) {
  const db = await memoryDb();
  await new EntryRepository(db).put([await toEntry(entry)], "peer");
  const fetched: string[] = [];
  const d = new Directory({
    db,
    nodeId: "self".padEnd(32, "x"),
    now: () => now,
    config: { clockSkewSeconds: 60, publicNode: false, publicUrl: undefined },
    card: async () => {
      throw new Error("not public");
    },
    fetchedCards: {
      card: async (id, url) => {
        fetched.push(`${id} ${url}`);
        return serves;
      },
    },
  });
  return { d, fetched };
}

describe("directory over compact entries", () => {
  it("places a node known only by its entry, and takes the card its URL serves when it matches the entry", async () => {
    const { d, fetched } = await directory(NOW, v.cards.origin);
    expect((await d.view()).nodes.all()).toEqual([{ id: entry.origin, url: v.cards.origin.url }]);
    expect(await d.card(entry.origin)).toEqual(v.cards.origin);
    expect(fetched).toEqual([`${entry.origin} ${v.cards.origin.url}`]);
  });

  it("refuses a card that is not the one the entry stands for", async () => {
    const { d } = await directory(NOW, v.cards.stranger);
    expect(await d.card(entry.origin)).toBeUndefined();
  });

  it("leaves out an entry past its expiry", async () => {
    const { d, fetched } = await directory(v.cards.origin.exp + 61, v.cards.origin);
    expect((await d.view()).nodes.all()).toEqual([]);
    expect(await d.card(entry.origin)).toBeUndefined();
    expect(fetched).toEqual([]);
  });
});

describe("directory reloads", () => {
  // The store does not check signatures: these entries are signed by no one, and only their rows matter.
  const T0 = 1_800_000_000_000;
  async function compact(origin: string, wall: number, exp: number, url = `https://${origin.slice(0, 10)}.example.org/${wall}`): Promise<Entry> {
    const body = { v: 1, url, keys: `sha256:${"c".repeat(64)}`, ed25519: toBase64url(crypto.getRandomValues(new Uint8Array(32))), exp };
    return toEntry(signedEntry.parse({ origin, kind: "directory", key: DIRECTORY_KEY, visibility: "public", hlc: hlcAt(wall), tombstone: false, body, sig: toBase64url(crypto.getRandomValues(new Uint8Array(64))) }));
  }
  const origin = () => toBase32(crypto.getRandomValues(new Uint8Array(20)));

  it("applies only what changed since the last load, and gives what a fresh load gives", async () => {
    const db = await memoryDb();
    const store = new EntryRepository(db);
    const self = origin();
    let now = T0 / 1000;
    const later = now + 86_400;
    const make = () =>
      new Directory({
        db,
        nodeId: self,
        now: () => now,
        config: { clockSkewSeconds: 60, publicNode: false, publicUrl: undefined },
        card: async () => {
          throw new Error("not public");
        },
        fetchedCards: { card: async () => undefined },
      });
    const reloaded = make();
    // The view's nodes, by position.
    const fresh = async () => (await make().view()).nodes.all();
    const reload = async () => {
      reloaded.invalidate();
      return (await reloaded.view()).nodes.all();
    };

    // More than one patch takes, this node's own, and one kept as text (its URL cannot lose its scheme).
    const first = await Promise.all(Array.from({ length: 700 }, () => compact(origin(), T0, later)));
    const asText = await compact(origin(), T0, later, "https://http://t.example/");
    await store.put([...first, await compact(self, T0, later), asText], "peer");
    const loaded = await reload();
    expect(loaded.length).toBe(701);
    expect(loaded.some((n) => n.id === self)).toBe(false);
    expect(loaded.find((n) => n.id === asText.signed.origin)?.url).toBe("https://http://t.example/");
    expect(loaded).toEqual(await fresh());

    // Nothing new: the same list.
    expect(await reload()).toBe(loaded);

    // Some re-signed with new URLs, some new, one that expires soon.
    const soon = await compact(origin(), T0, now + 100);
    const resigned = await Promise.all(first.slice(0, 20).map((e) => compact(e.signed.origin, T0 + 1000, later)));
    await store.put([...resigned, ...(await Promise.all(Array.from({ length: 30 }, () => compact(origin(), T0, later)))), soon], "peer");
    const patched = await reload();
    expect(patched.length).toBe(732);
    expect(patched.find((n) => n.id === resigned[0]!.signed.origin)?.url).toBe(`https://${resigned[0]!.signed.origin.slice(0, 10)}.example.org/${T0 + 1000}`);
    expect(patched).toEqual(await fresh());
    expect(loaded.length).toBe(701);

    // Past its expiry (and the skew), the soon one drops out with no new row.
    now += 161;
    const expired = await reload();
    expect(expired.some((n) => n.id === soon.signed.origin)).toBe(false);
    expect(expired).toEqual(await fresh());

    // Rows gone without a new position (a restore deletes them): the count tells, and the list is read again.
    const gone = first.slice(100, 105).map((e) => fromBase32(e.signed.origin));
    await db.delete(directoryEntries).where(inArray(directoryEntries.origin, gone));
    const after = await reload();
    expect(after.length).toBe(726);
    expect(after).toEqual(await fresh());

    // A row gone and another come in the same interval: the count alone matches, yet the view follows both.
    await db.delete(directoryEntries).where(eq(directoryEntries.origin, fromBase32(first[200]!.signed.origin)));
    await store.put([await compact(origin(), T0, later)], "peer");
    const swapped = await reload();
    expect(swapped.some((n) => n.id === first[200]!.signed.origin)).toBe(false);
    expect(swapped).toEqual(await fresh());

    // A restore: a new store generation, the log's positions start again below those the view holds,
    // and the same origins come back re-signed before the next reload, so the count alone matches.
    const held = await db.select({ origin: directoryEntries.origin }).from(directoryEntries);
    await db.delete(directoryEntries);
    await db.delete(registryEntries);
    await db.update(registryLog).set({ head: 0 });
    await db.batch([newGeneration(db)]);
    const refilled = await Promise.all(held.map((r) => compact(toBase32(r.origin), T0 + 2000, later)));
    await store.put(refilled, "peer");
    const restored = await reload();
    expect(restored.length).toBe(held.length - 1); // all but this node's own
    expect(restored.every((n) => n.url.endsWith(`/${T0 + 2000}`))).toBe(true);
    expect(restored).toEqual(await fresh());
  });
});
