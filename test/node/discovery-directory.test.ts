// The directory over compact entries (src/node/discovery/directory.ts, protocol §20.7): a node
// known only by its directory entry is placed with the entry's URL; its card is fetched on first
// contact and used only when it is the one the entry stands for; an expired entry drops out.
import { describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { signedEntry, toEntry } from "../../src/protocol/registry/entry.ts";
import { Directory } from "../../src/node/discovery/directory.ts";
import { EntryRepository } from "../../src/store/registry.ts";
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
