// The node's own trust entries: published through the registry, received by another replica as
// they were signed, revoked by a tombstone, and refused before signing when a receiver would refuse them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { Registry } from "../../src/node/registry/registry.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { expiryAfter, publishTrust, TrustPublishError, withdrawTrust } from "../../src/node/trust/publish.ts";
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";
import { confirmedRecord } from "../support/confirmed-record.ts";
import { liveTrustEntries } from "../../src/store/trust-entries.ts";

const NOW = 1_767_225_600_000;
const open: TestDatabase[] = [];
afterAll(() => open.forEach((d) => d.close()));

let me: TestIdentity;
let peer: TestIdentity;
beforeAll(async () => {
  [me, peer] = await Promise.all([ed25519TestSigner(), ed25519TestSigner()]);
});

async function replica(who: TestIdentity) {
  const database = await openTestDatabase();
  open.push(database);
  const now = () => NOW;
  const registry = new Registry({ signer: who.signer, verifier: new TestKeyring().add(me, peer), store: new EntryRepository(database.db), clock: new HybridClock(now), now });
  let changes = 0;
  return { registry, db: database.db, port: { nodeId: who.signer.nodeId, registry, gossip: { changed: () => void changes++ }, now }, changes: () => changes };
}

describe("publishing trust entries", () => {
  it("signs a vouch that another replica admits as it is, stores nothing for the same vouch again, and revokes it by a tombstone", async () => {
    const a = await replica(me);
    const b = await replica(peer);
    const third = (await ed25519TestSigner()).signer.nodeId;
    const body = { subject: third, weight: 60, scope: "search", expiresAt: expiryAfter(30, NOW) };
    const [vouch] = await publishTrust(a.port, "vouch", body, "public");
    expect(vouch!.signed).toMatchObject({ origin: me.signer.nodeId, kind: "vouch", key: `${third}/search`, tombstone: false, body });
    expect(a.changes()).toBe(1);
    expect(await publishTrust(a.port, "vouch", body, "public")).toEqual([]);
    expect(a.changes()).toBe(1);

    const got = await b.registry.receive([JSON.parse(vouch!.canonical)], me.signer.nodeId);
    expect(got.rejected).toEqual([]);
    expect(got.stored.map((e) => e.id)).toEqual([vouch!.id]);

    const [tomb] = await withdrawTrust(a.port, "vouch", `${third}/search`);
    expect(tomb!.signed).toMatchObject({ kind: "vouch", key: `${third}/search`, tombstone: true });
    await b.registry.receive([tomb!.signed], me.signer.nodeId);
    const held = await b.registry.store.slots(me.signer.nodeId, "vouch", `${third}/search`);
    expect(held.map((e) => e.signed.tombstone)).toEqual([true]);
  });

  it("refuses, before signing, what every receiver would refuse", async () => {
    const a = await replica(me);
    const self = me.signer.nodeId;
    const expiresAt = expiryAfter(10, NOW);
    await expect(publishTrust(a.port, "vouch", { subject: self, weight: 50, expiresAt }, "peers")).rejects.toThrow(/own origin/);
    await expect(publishTrust(a.port, "warning", { subject: self, reason: "spam", expiresAt }, "peers")).rejects.toThrow(/own origin/);
    await expect(publishTrust(a.port, "vouch", { subject: peer.signer.nodeId, weight: 50, expiresAt: Math.floor(NOW / 1000) + 401 * 86_400 }, "peers")).rejects.toThrow(/400 days/);
    await expect(publishTrust(a.port, "vouch", { subject: peer.signer.nodeId, weight: 101, expiresAt }, "peers")).rejects.toThrow(TrustPublishError);
    expect(() => expiryAfter(401, NOW)).toThrow(TrustPublishError);
    expect(a.changes()).toBe(0);
    expect(await a.registry.store.slots(self, "vouch", self)).toEqual([]);
  });

  it("publishes a rating only with the rater's confirmed record of a call to that tool", async () => {
    const a = await replica(me);
    const b = await replica(peer);
    const fingerprint = await toolFingerprint({ name: "find", inputSchema: { type: "object" } });
    const proof = await confirmedRecord(me, peer, { id: "ab".repeat(32), toolId: `${peer.signer.nodeId}/search/find`, fingerprint, requestedAt: NOW - 60_000 });
    const rating = { toolOrigin: peer.signer.nodeId, tool: "search/find", fingerprint, stars: 4, text: "fast, mostly right", proof };
    const [entry] = await publishTrust(a.port, "rating", rating, "peers");
    expect(entry!.signed.key).toBe(`${peer.signer.nodeId}/search/find`);
    expect((await b.registry.receive([entry!.signed], me.signer.nodeId)).stored).toHaveLength(1);

    const { countersign: _c, ...pendingSigs } = proof.sigs;
    await expect(publishTrust(a.port, "rating", { ...rating, proof: { ...proof, sigs: pendingSigs } }, "peers")).rejects.toThrow(/confirmed record/);
    await expect(publishTrust(a.port, "rating", { ...rating, tool: "search/other" }, "peers")).rejects.toThrow(/rated tool/);
    const theirs = await confirmedRecord(peer, me, { id: "cd".repeat(32), toolId: `${me.signer.nodeId}/search/find`, fingerprint, requestedAt: NOW - 60_000 });
    await expect(publishTrust(a.port, "rating", { ...rating, proof: theirs }, "peers")).rejects.toThrow(/consumer/);
  });

  it("are read back live, one per slot whatever the visibility, by origin and by subject", async () => {
    const a = await replica(me);
    const b = await replica(peer);
    const x = (await ed25519TestSigner()).signer.nodeId;
    const y = (await ed25519TestSigner()).signer.nodeId;
    const expiresAt = expiryAfter(30, NOW);
    await publishTrust(a.port, "vouch", { subject: x, weight: 20, expiresAt }, "public");
    await publishTrust(a.port, "vouch", { subject: x, weight: 20, scope: "search", expiresAt }, "public");
    const narrowed = await publishTrust(a.port, "vouch", { subject: y, weight: 30, expiresAt }, "public");
    // Narrowed to peers: the public slot is tombstoned and the peers slot filled, later.
    expect((await publishTrust(a.port, "vouch", { subject: y, weight: 40, expiresAt }, "peers")).map((e) => e.signed.tombstone)).toEqual([true, false]);
    const [theirs] = await publishTrust(b.port, "vouch", { subject: x, weight: 90, expiresAt }, "peers");
    await a.registry.receive([theirs!.signed], peer.signer.nodeId);

    const weights = async (filter: Parameters<typeof liveTrustEntries>[2]) => (await liveTrustEntries(a.db, "vouch", filter)).map((e) => `${e.origin === me.signer.nodeId ? "me" : "peer"}:${e.key === y ? "y" : e.key.endsWith("/search") ? "x/search" : "x"}:${e.body.weight}`).sort();
    expect(await weights({})).toEqual(["me:x/search:20", "me:x:20", "me:y:40", "peer:x:90"]);
    expect(await weights({ origins: [peer.signer.nodeId] })).toEqual(["peer:x:90"]);
    expect(await weights({ origins: [] })).toEqual([]);
    expect(await weights({ subject: x })).toEqual(["me:x/search:20", "me:x:20", "peer:x:90"]);
    expect(await weights({ subject: y, origins: [me.signer.nodeId] })).toEqual(["me:y:40"]);
    expect(narrowed).toHaveLength(1);
    await withdrawTrust(a.port, "vouch", y);
    expect(await weights({ subject: y })).toEqual([]);
    expect(await liveTrustEntries(a.db, "warning")).toEqual([]);
  });
});
