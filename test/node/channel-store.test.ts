// The peer_channels store over real libSQL: secrets sealed at rest and bound to their row, role
// and epoch; a bounded number of rows per peer and role; a ratchet that never moves back; the
// tick's pruning of expired rows and of rows keyed by a rotated signing key.
import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { newSeed, parseSeed } from "../../src/protocol/identity/seed.ts";
import { SecretBox } from "../../src/secrets/sealed-box.ts";
import { ChannelStore, MAX_CHANNELS_PER_PEER, type StoredChannel } from "../../src/store/channels.ts";
import type { Database } from "../../src/store/database.ts";
import { memoryDb } from "../support/libsql.ts";

const box = new SecretBox(parseSeed(newSeed()));
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const channel = (cid: string, over: Partial<StoredChannel> = {}): StoredChannel => ({
  cid,
  peer: "peer-1",
  role: "responder",
  epoch: 0,
  requestSecret: bytes(32, 1),
  answerSecret: bytes(32, 2),
  startsAt: 1000,
  epochSeconds: 600,
  expiresAt: 8200,
  ownKid: "own-1",
  peerKid: "peer-kid-1",
  ...over,
});

let db: Database;
let store: ChannelStore;
beforeEach(async () => {
  db = await memoryDb();
  store = new ChannelStore(db, box);
});

describe("ChannelStore", () => {
  it("keeps the secrets sealed, and opens them only for their own row", async () => {
    await store.save(channel("c1"));
    const [row] = await db.all<{ request_secret: string; answer_secret: string }>(sql`SELECT request_secret, answer_secret FROM peer_channels`);
    expect(row!.request_secret).toMatch(/^sealed:v1:/);
    expect(row!.request_secret).not.toContain(Buffer.from(bytes(32, 1)).toString("base64url"));
    expect(await store.find("c1", "responder")).toMatchObject({ requestSecret: bytes(32, 1), answerSecret: bytes(32, 2) });
    expect(await store.find("c1", "initiator")).toBeUndefined();

    // A secret copied into another row does not open there: that row is ended instead.
    await store.save(channel("c2"));
    await db.run(sql`UPDATE peer_channels SET request_secret = ${row!.request_secret} WHERE cid = 'c2'`);
    expect(await store.find("c2", "responder")).toBeUndefined();
    expect(await db.all(sql`SELECT cid FROM peer_channels WHERE cid = 'c2'`)).toEqual([]);
  });

  it("keeps at most MAX_CHANNELS_PER_PEER per peer and role, the newest", async () => {
    for (let i = 0; i < MAX_CHANNELS_PER_PEER + 2; i++) await store.save(channel(`c${i}`, { startsAt: 1000 + i }));
    await store.save(channel("other", { peer: "peer-2" }));
    await store.save(channel("mine", { role: "initiator" }));
    // Saving alone does not bound the rows: the trim after it does, and only the peer's rows of that role.
    expect((await store.list()).filter((c) => c.peer === "peer-1" && c.role === "responder")).toHaveLength(MAX_CHANNELS_PER_PEER + 2);
    await store.trim("peer-1", "responder");
    const cids = (await store.list()).filter((c) => c.peer === "peer-1" && c.role === "responder").map((c) => c.cid);
    expect(cids.sort()).toEqual(["c2", "c3", "c4", "c5"]);
    expect((await store.list()).map((c) => c.cid)).toEqual(expect.arrayContaining(["other", "mine"]));
  });

  it("moves a row's epoch forward only, resealing the secrets under the new epoch", async () => {
    await store.save(channel("c1"));
    await store.advance({ cid: "c1", role: "responder", epoch: 3, requestSecret: bytes(32, 3), answerSecret: bytes(32, 4) });
    await store.advance({ cid: "c1", role: "responder", epoch: 2, requestSecret: bytes(32, 9), answerSecret: bytes(32, 9) });
    expect(await store.find("c1", "responder")).toMatchObject({ epoch: 3, requestSecret: bytes(32, 3), answerSecret: bytes(32, 4) });
    // The sealed secret names its epoch: set back by hand, the row no longer opens.
    await db.run(sql`UPDATE peer_channels SET epoch = 2 WHERE cid = 'c1'`);
    expect(await store.find("c1", "responder")).toBeUndefined();
  });

  it("finds the newest live channel it opened to a peer", async () => {
    await store.save(channel("old", { role: "initiator", expiresAt: 5000 }));
    await store.save(channel("new", { role: "initiator", expiresAt: 9000 }));
    expect((await store.newestOpened("peer-1", 4000))?.cid).toBe("new");
    await store.end("new");
    expect((await store.newestOpened("peer-1", 4000))?.cid).toBe("old");
    expect(await store.newestOpened("peer-1", 5000)).toBeUndefined();
  });

  it("prunes expired rows and rows under another signing key of this node; endPeer ends both roles", async () => {
    await store.save(channel("live"));
    await store.save(channel("expired", { expiresAt: 2000 }));
    await store.save(channel("rotated", { ownKid: "own-0" }));
    await store.save(channel("theirs", { peer: "peer-2", role: "initiator" }));
    await store.prune(3000, "own-1");
    expect((await store.list()).map((c) => c.cid).sort()).toEqual(["live", "theirs"]);
    await store.endPeer("peer-2");
    expect((await store.list()).map((c) => c.cid)).toEqual(["live"]);
  });
});
