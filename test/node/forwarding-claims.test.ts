// Forwarders' claims (docs/protocol.md §12.6.1) in process, over real nodes on in-memory libSQL: a
// forwarder publishes the active peers it forwards to as a signed registry entry, its peer admits
// it like any entry (a forged one is refused), and a forwarded call asks the forwarders that claim
// the origin first, failing over to the rest when a claim is stale; a claim withdrawn or moved to
// another visibility is read as it now stands.
import { afterAll, describe, expect, it } from "vitest";
import { assembleNode, type AssembledNode } from "../../src/node/assemble.ts";
import { SealedRefusal } from "../../src/node/federation-client/errors.ts";
import { announceForwarding } from "../../src/node/routes/forwarded/announcement.ts";
import { forwardedCall, forwardersTo } from "../../src/node/routes/forwarded/consumer.ts";
import { routesTo } from "../../src/node/routes/listing.ts";
import { loadConfig } from "../../src/node/settings/config.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import type { RelayRequest } from "../../src/protocol/messages/relay-items.ts";
import type { Entry } from "../../src/protocol/registry/entry.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import { identitySigner } from "../../src/node/registry/node-keys.ts";
import { forwardingClaims } from "../../src/store/forwarding-claims.ts";
import { saveOriginCard } from "../../src/store/origin-cards.ts";
import { savePeer } from "../../src/store/peers.ts";
import { entryView } from "../../src/http/admin/registry.ts";
import { sampleTool } from "../support/entries.ts";
import { memoryDb } from "../support/libsql.ts";

const started: AssembledNode[] = [];
async function node(env: Record<string, string> = {}): Promise<AssembledNode> {
  const n = await assembleNode({ config: loadConfig({ NODE_SEED: newSeed(), ADMIN_TOKEN: "admin-token-for-tests", ...env }), db: await memoryDb() });
  started.push(n);
  return n;
}
const cardOf = async (n: AssembledNode): Promise<Card> => (await n.services.card()).get("http://127.0.0.1:9", n.services.now());
async function peer(holder: AssembledNode, other: AssembledNode) {
  await savePeer(holder.services.db, { card: await cardOf(other), state: "active", theirState: "active", version: "mcpfed/1", features: [] });
}
const id = (n: AssembledNode) => n.services.nodeId;
/** The forwarder's entries, received by `at` as gossip from the forwarder brings them. */
async function deliver(at: AssembledNode, from: AssembledNode, entries: Entry[]) {
  return at.services.registry.receive(entries.map((e) => e.signed), id(from));
}
/** `provider` shares a tool, and `holder` (its peer) receives the entry as gossip brings it. */
async function sharesWith(holder: AssembledNode, provider: AssembledNode) {
  await deliver(holder, provider, await provider.services.registry.share(sampleTool("echo")));
}
const call = { type: "call", key: "edge/echo", intent: {}, timeoutMs: 1000, progress: false, countersigned: [] } as unknown as RelayRequest;

afterAll(async () => {
  await Promise.all(started.map((n) => n.close()));
});

/** A consumer with two forwarders: `plain` (the origin's card came through it) and `claiming`, which peers with the origin and says so. */
async function line() {
  const [consumer, plain, claiming, origin, other] = await Promise.all([node({ PUBLIC_URL: "http://127.0.0.1:9" }), node(), node(), node(), node()]);
  for (const f of [plain, claiming]) {
    await peer(consumer, f);
    await peer(f, consumer);
  }
  await peer(claiming, origin);
  await peer(claiming, other);
  // The origins share tools; the consumer only calls, so no claim names it.
  await sharesWith(claiming, origin);
  await sharesWith(claiming, other);
  await saveOriginCard(consumer.services.db, id(origin), await cardOf(origin), id(plain));
  return { consumer, plain, claiming, origin, other };
}

describe("the forwarder's claim", () => {
  it("names its active peers that share tools, in order, with the visibility FORWARD_ANNOUNCE gives, and is republished only when they change", async () => {
    const { consumer, claiming, origin, other } = await line();
    const published = await announceForwarding(claiming.services);
    expect(published).toHaveLength(1);
    expect(published[0]!.signed).toMatchObject({ origin: id(claiming), kind: "forwarding", key: "forwarding", visibility: "peers", tombstone: false, body: { v: 1, destinations: [id(origin), id(other)].sort() } });
    expect(JSON.stringify(published[0]!.signed)).not.toContain(id(consumer));
    expect(await announceForwarding(claiming.services)).toEqual([]);
    const newcomer = await node();
    await peer(claiming, newcomer);
    // A new peer that shares nothing changes nothing; once it shares a tool, it is named.
    expect(await announceForwarding(claiming.services)).toEqual([]);
    await sharesWith(claiming, newcomer);
    const again = await announceForwarding(claiming.services);
    expect(again.map((e) => (e.signed.tombstone ? null : e.signed.body))).toEqual([{ v: 1, destinations: [id(origin), id(other), id(newcomer)].sort() }]);
  });

  it("is published neither by a node that does not forward or has no peer, nor under FORWARD_ANNOUNCE=off, and withdrawn when either changes", async () => {
    const { claiming } = await line();
    const silent = await node({ ROUTES_OFFER: "relay" });
    await peer(silent, claiming);
    expect(await announceForwarding(silent.services)).toEqual([]);
    const alone = await node();
    expect(await announceForwarding(alone.services)).toEqual([]);
    expect(await announceForwarding({ ...claiming.services, config: { ...claiming.services.config, forwardAnnounce: "off" } })).toEqual([]);
    await announceForwarding(claiming.services);
    const withdrawn = await announceForwarding({ ...claiming.services, config: { ...claiming.services.config, routesOffer: ["relay"] } });
    expect(withdrawn.map((e) => e.signed)).toMatchObject([{ kind: "forwarding", visibility: "peers", tombstone: true }]);
  });

  it("a peer admits it under the forwarder's signature; one signed by another node is refused and changes nothing", async () => {
    const { consumer, claiming, origin } = await line();
    const [entry] = await announceForwarding(claiming.services);
    // The same claim signed by the consumer's other peer, under the claiming forwarder's name.
    const forger = await node();
    await peer(consumer, forger);
    const forged = await signEntry({ ...entry!.signed, sig: undefined, body: { v: 1, destinations: [id(origin)] } } as never, { ...identitySigner(await forger.services.identity()), nodeId: id(claiming) });
    const refused = await deliver(consumer, forger, [forged]);
    expect(refused.rejected.map((r) => r.reason)).toEqual(["bad_signature"]);
    expect(await forwardingClaims(consumer.services.db, [id(claiming)])).toEqual(new Map());
    const admitted = await deliver(consumer, claiming, [entry!]);
    expect(admitted.stored).toHaveLength(1);
    expect((await forwardingClaims(consumer.services.db, [id(claiming)])).get(id(claiming))?.has(id(origin))).toBe(true);
    // The operator's registry listing shows the claim's destinations.
    expect(entryView(admitted.stored[0]!)).toMatchObject({ kind: "forwarding", origin: id(claiming), destinations: (entry!.signed as { body: { destinations: string[] } }).body.destinations });
  });
});

describe("choosing forwarders by their claims", () => {
  it("asks first the forwarder that claims the origin, over the one its card came through, and lists it so", async () => {
    const { consumer, plain, claiming, origin } = await line();
    // Before any claim: the peer the card came through leads.
    expect((await forwardersTo(consumer.services, id(origin))).map((f) => f.nodeId)).toEqual([id(plain), id(claiming)]);
    await deliver(consumer, claiming, await announceForwarding(claiming.services));
    const ordered = await forwardersTo(consumer.services, id(origin));
    expect(ordered.map((f) => [f.nodeId, f.claimsOrigin])).toEqual([
      [id(claiming), true],
      [id(plain), false],
    ]);
    const listed = await routesTo(consumer.services, id(origin));
    expect(listed.forwarded).toEqual([
      { via: id(claiming), name: expect.any(String), cardCameThrough: false, claimsOrigin: true },
      { via: id(plain), name: expect.any(String), cardCameThrough: true },
    ]);
  });

  it("fails over to a forwarder without a claim when the claiming one no longer reaches the origin", async () => {
    const { consumer, plain, claiming, origin } = await line();
    await deliver(consumer, claiming, await announceForwarding(claiming.services));
    const tried: string[] = [];
    // The consumer's own client; each forwarder answers as one that does not peer with the origin.
    const federation: typeof consumer.services.federation = Object.create(consumer.services.federation);
    federation.forward = async (via) => {
      tried.push(via.nodeId);
      throw new SealedRefusal("unknown_destination", `${id(origin)} is not an active peer of this node`, false);
    };
    const attempt = forwardedCall({ ...consumer.services, federation }, id(origin), call, { signal: new AbortController().signal, timeoutMs: 1000 }, () => {});
    await expect(attempt).rejects.toThrow(/no forwarder could carry the call/);
    expect(tried).toEqual([id(claiming), id(plain)]);
  });

  it("reads a claim as it now stands: moved to public, then withdrawn", async () => {
    const { consumer, claiming, origin } = await line();
    await deliver(consumer, claiming, await announceForwarding(claiming.services));
    const moved = await announceForwarding({ ...claiming.services, config: { ...claiming.services.config, forwardAnnounce: "public" } });
    // The peers-only slot is tombstoned, the public one filled.
    expect(moved.map((e) => [e.signed.visibility, e.signed.tombstone])).toEqual([
      ["peers", true],
      ["public", false],
    ]);
    await deliver(consumer, claiming, moved);
    expect((await forwardersTo(consumer.services, id(origin))).find((f) => f.nodeId === id(claiming))?.claimsOrigin).toBe(true);
    const withdrawn = await announceForwarding({ ...claiming.services, config: { ...claiming.services.config, forwardAnnounce: "off" } });
    await deliver(consumer, claiming, withdrawn);
    expect((await forwardersTo(consumer.services, id(origin))).find((f) => f.nodeId === id(claiming))?.claimsOrigin).toBe(false);
  });
});
