// The responder's channels over a real libSQL store: the handshake's answer is stored sealed, and
// a frame's channel is found only while the peer is active and neither side's signing key changed
// since the handshake (a changed key ends the channel for good); CHANNELS=off finds none.
import { beforeEach, describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { channelOpen } from "../../src/protocol/channel/handshake.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { SecretBox } from "../../src/secrets/sealed-box.ts";
import { ChannelStore } from "../../src/store/channels.ts";
import type { Database } from "../../src/store/database.ts";
import { savePeer, setState, updateCard } from "../../src/store/peers.ts";
import { AcceptedChannels } from "../../src/node/channels/accepted.ts";
import { ChannelCounts } from "../../src/node/channels/counts.ts";
import type { LocalIdentity } from "../../src/node/identity/local.ts";
import { memoryDb } from "../support/libsql.ts";

const PEER = "p".repeat(32);
const card = (kid: string) => ({ id: PEER, name: "peer", url: "http://127.0.0.1:1", keys: { sig: { kid } } }) as unknown as Card;

let db: Database;
let store: ChannelStore;
let ownKid: string;
let channels: (on?: boolean) => AcceptedChannels;

beforeEach(async () => {
  db = await memoryDb();
  store = new ChannelStore(db, new SecretBox(parseSeed(newSeed())));
  ownKid = "own-1";
  const p = await primitives();
  // Only the key id and the primitives of this node's identity are read.
  const identity = async () => ({ signing: { keyId: ownKid }, primitives: p }) as unknown as LocalIdentity;
  const config = { channelEpochSeconds: 600, channelLifetimeSeconds: 7200, clockSkewSeconds: 60 };
  channels = (on = true) => new AcceptedChannels({ db, store, counts: new ChannelCounts(), identity, config: { ...config, channels: on }, now: () => Math.floor(Date.now() / 1000), trim: (peer, role) => store.trim(peer, role) });
  await savePeer(db, { card: card("peer-kid-1"), state: "active", version: "mcpfed/1", features: ["channel"] });
});

async function accepted(book: AcceptedChannels): Promise<string> {
  const { request } = await channelOpen(await primitives());
  const accept = await book.accept(PEER, request, new Uint8Array(64), new Uint8Array(32));
  return accept.channel;
}

describe("AcceptedChannels", () => {
  it("stores the accepted channel, found by any process over the store", async () => {
    const cid = await accepted(channels());
    expect(await store.find(cid, "responder")).toMatchObject({ peer: PEER, ownKid: "own-1", peerKid: "peer-kid-1", epoch: 0 });
    const found = await channels().find(cid);
    expect(found).toMatchObject({ peer: PEER, epochSeconds: 600 });
    expect(await found!.secretFor(0)).toBeDefined();
    expect(await channels(false).find(cid)).toBeUndefined();
  });

  it("finds no channel of a peer that is not active, at once", async () => {
    const book = channels();
    const cid = await accepted(book);
    await setState(db, PEER, "blocked");
    expect(await book.find(cid)).toBeUndefined();
    await setState(db, PEER, "active");
    expect(await book.find(cid)).toBeDefined();
  });

  it("ends a channel once the peer's signing key changed, or this node's", async () => {
    const book = channels();
    const theirs = await accepted(book);
    await updateCard(db, PEER, card("peer-kid-2"));
    expect(await book.find(theirs)).toBeUndefined();
    expect(await store.find(theirs, "responder")).toBeUndefined();

    const mine = await accepted(book);
    ownKid = "own-2";
    expect(await book.find(mine)).toBeUndefined();
    expect(await store.find(mine, "responder")).toBeUndefined();
  });
});
