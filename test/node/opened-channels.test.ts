// The initiator's channel book over a real libSQL store: one handshake however many requests wait
// for it, a new lane per epoch and after the lane's frame budget (rekey by count), the ratchet
// persisted so that another process continues from the store, and a channel under another
// signing key never used.
import { beforeEach, describe, expect, it } from "vitest";
import { ratchet, type EstablishedChannel } from "../../src/protocol/channel/handshake.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { SecretBox } from "../../src/secrets/sealed-box.ts";
import { ChannelStore } from "../../src/store/channels.ts";
import { ChannelCounts } from "../../src/node/channels/counts.ts";
import { OpenedChannels } from "../../src/node/channels/opened.ts";
import { memoryDb } from "../support/libsql.ts";

const START = 1_800_000_000;
const kids = { own: "own-1", peer: "peer-1" };
let store: ChannelStore;
let handshakes: number;

const made = (): EstablishedChannel => ({
  cid: crypto.getRandomValues(new Uint8Array(16)),
  timing: { startsAt: START, epochSeconds: 600, expiresAt: START + 7200 },
  secrets: { epoch: 0, c: new Uint8Array(32).fill(handshakes), s: new Uint8Array(32).fill(100 + handshakes) },
});
const open = async () => {
  handshakes++;
  await new Promise((r) => setTimeout(r, 10));
  return made();
};
const book = (laneFrames?: number) => new OpenedChannels({ store, counts: new ChannelCounts(), skew: 60, trim: (peer, role) => store.trim(peer, role), ...(laneFrames ? { laneFrames } : {}) });

beforeEach(async () => {
  store = new ChannelStore(await memoryDb(), new SecretBox(parseSeed(newSeed())));
  handshakes = 0;
});

describe("OpenedChannels", () => {
  it("makes one handshake for requests that start at once, each on its own sequence number", async () => {
    const b = book();
    const slots = await Promise.all(Array.from({ length: 6 }, () => b.slot("peer", kids, START + 1, open)));
    expect(handshakes).toBe(1);
    expect(new Set(slots.map((s) => s.channel)).size).toBe(1);
    expect(slots.map((s) => s.seq).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(slots.map((s) => toBase64url(s.lane))).size).toBe(1);
  });

  it("starts a new lane after the lane's frames and at each epoch, with that epoch's secrets", async () => {
    const b = book(2);
    const [s0, s1, s2] = [await b.slot("peer", kids, START + 1, open), await b.slot("peer", kids, START + 2, open), await b.slot("peer", kids, START + 3, open)];
    expect([s0.seq, s1.seq, s2.seq]).toEqual([0, 1, 0]);
    expect(toBase64url(s2.lane)).not.toBe(toBase64url(s0.lane));
    const later = await b.slot("peer", kids, START + 600 * 3 + 100, open);
    expect(later).toMatchObject({ epoch: 3, seq: 0 });
    expect(later.secrets).toEqual(ratchet(s0.secrets, 3));
    expect(handshakes).toBe(1);
  });

  it("persists the ratchet: another process continues the channel from the store, on a lane of its own", async () => {
    const first = await book().slot("peer", kids, START + 1, open);
    // 30 s into epoch 5, epoch 4 is still acceptable within the skew: the oldest secrets the store keeps.
    await book().slot("peer", kids, START + 600 * 5 + 30, open);
    expect((await store.newestOpened("peer", START + 600 * 5 + 30))?.epoch).toBe(4);
    const other = await book().slot("peer", kids, START + 600 * 5 + 200, open);
    expect(other.channel).toBe(first.channel);
    expect(other.secrets).toEqual(ratchet(first.secrets, 5));
    expect((await store.newestOpened("peer", START + 600 * 5 + 200))?.epoch).toBe(5);
    expect(handshakes).toBe(1);
  });

  it("opens a new channel when the signing keys changed, or the channel expired, or the peer refused it", async () => {
    const b = book();
    const first = await b.slot("peer", kids, START + 1, open);
    const rotated = await b.slot("peer", { ...kids, peer: "peer-2" }, START + 2, open);
    expect(rotated.channel).not.toBe(first.channel);
    expect(await store.find(first.channel, "initiator")).toBeUndefined();
    const expired = await b.slot("peer", { ...kids, peer: "peer-2" }, START + 7200, open);
    expect(expired.channel).not.toBe(rotated.channel);
    await b.drop("peer", expired.channel);
    expect((await b.slot("peer", { ...kids, peer: "peer-2" }, START + 7201, open)).channel).not.toBe(expired.channel);
    expect(handshakes).toBe(4);
  });
});
