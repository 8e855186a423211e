// Beyond the neighbourhood a node keeps compact directory entries only (src/node/discovery/
// kept-entries.ts, docs/discovery.md): which entries gossip acceptance keeps, the node entries the
// tick drops once the index is on, and the operator's list of nodes, which shows a node known by
// its compact entry alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropFarNodeEntries, keptEntries } from "../../src/node/discovery/kept-entries.ts";
import { directoryOnlyNodes, knownNodes } from "../../src/node/peers/nodes.ts";
import { hlcAt } from "../../src/protocol/registry/hlc.ts";
import { NODE_CARD_KEY, signedEntry, toEntry } from "../../src/protocol/registry/entry.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { savePeer } from "../../src/store/peers.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";
import { stranger, type Stranger } from "../support/stranger.ts";
import { vector } from "../protocol/paths.ts";

const SELF = "self".padEnd(32, "x");
const v = vector<{ cards: { origin: Card }; entry: unknown }>("registry/directory-entries.json");
const directoryEntry = signedEntry.parse(v.entry);

let db: TestDatabase;
let peer: Stranger;
let far: Stranger;

async function putNodeEntry(n: Stranger) {
  const entry = await signEntry({ origin: n.id, kind: "node", key: NODE_CARD_KEY, visibility: "public", hlc: hlcAt(Date.now()), tombstone: false, body: { card: n.card } }, n.entrySigner);
  await new EntryRepository(db.db).put([entry], "some-peer");
}

beforeAll(async () => {
  db = await openTestDatabase();
  [peer, far] = await Promise.all([stranger({ url: "https://peer.example.org" }), stranger({ url: "https://far.example.org" })]);
  await savePeer(db.db, { card: peer.card, state: "active", theirState: "active", version: "mcpfed/1", features: [] });
});

afterAll(async () => {
  await db?.close();
});

describe("what gossip acceptance keeps", () => {
  const rule = (registrySync: "full" | "partial", indexActive: boolean) => keptEntries({ self: SELF, db: db.db, registrySync, indexActive: async () => indexActive, found: () => new Set(["found-origin"]) });

  it("keeps every entry below the index's size: small federations keep pure gossip", async () => {
    const keeps = await rule("full", false);
    expect([keeps(far.id, "node"), keeps(far.id, "tool"), keeps(far.id, "directory")]).toEqual([true, true, true]);
  });

  it("once the index is on, keeps node entries of the neighbourhood only, and every directory entry", async () => {
    const keeps = await rule("full", true);
    expect([keeps(SELF, "node"), keeps(peer.id, "node"), keeps("found-origin", "node"), keeps(far.id, "node")]).toEqual([true, true, true, false]);
    expect([keeps(far.id, "directory"), keeps(far.id, "tool")]).toEqual([true, true]);
  });

  it("under partial sync, keeps other kinds of the neighbourhood only", async () => {
    const keeps = await rule("partial", true);
    expect([keeps(peer.id, "tool"), keeps(far.id, "tool"), keeps(far.id, "directory")]).toEqual([true, false, true]);
  });
});

describe("the tick's drop and the list of nodes", () => {
  it("drops the node entries of origins beyond the neighbourhood; the list shows the compact entries left", async () => {
    await putNodeEntry(peer);
    await putNodeEntry(far);
    await new EntryRepository(db.db).put([await toEntry(directoryEntry)], "some-peer");
    const s = { db: db.db, nodeId: SELF, now: () => v.cards.origin.iat + 60, config: { clockSkewSeconds: 60 } };
    expect((await knownNodes({ ...s, now: () => Math.floor(Date.now() / 1000) })).map((n) => n.card.id).sort()).toEqual([far.id, peer.id].sort());

    expect(await dropFarNodeEntries({ self: SELF, db: db.db, found: () => new Set() })).toBe(1);

    expect((await knownNodes({ ...s, now: () => Math.floor(Date.now() / 1000) })).map((n) => n.card.id)).toEqual([peer.id]);
    const compact = await directoryOnlyNodes(s, new Set([peer.id]));
    expect(compact.map((n) => ({ id: n.id, url: n.url, peer: n.peer }))).toEqual([{ id: directoryEntry.origin, url: v.cards.origin.url, peer: null }]);
    // A node whose node entry is kept is not listed twice.
    expect(await directoryOnlyNodes(s, new Set([directoryEntry.origin]))).toEqual([]);
  });
});
