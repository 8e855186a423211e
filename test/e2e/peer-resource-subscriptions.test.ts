// Subscriptions to a peer's shared resource across the hop, on real node processes on loopback:
// B fronts server-everything (which sends resources/updated for each subscribed URI every 5 s once
// its toggle-subscriber-updates tool has been called on B's session with it) and shares one of
// its resources; A's SDK clients subscribe to it through A. Leases are read from B's libSQL file;
// the forged messages are sealed by the test in B's name, from B's seed or another.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { sql } from "drizzle-orm";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { openDatabaseFile } from "../support/libsql.ts";
import { connect } from "../support/mcp.ts";
import { connectModern } from "../support/modern-client.ts";
import { eventually, json, loopbackNode, startEverything, type NodeOptions, type NodeProc, type Upstream } from "../support/processes.ts";
import { openedAnswer, sealAs } from "../support/seal-as.ts";
import { tick } from "../support/tick.ts";

const openNode = (name: string, opts: NodeOptions = {}) => loopbackNode(name, { ...opts, env: { PEER_POLICY: "open", ...opts.env } });

interface Lease {
  peer: string;
  key: string;
  uri: string;
  until: number;
}

async function leasesAt(n: NodeProc): Promise<Lease[]> {
  const store = await openDatabaseFile(join(n.dataDir, "node.db"));
  try {
    return await store.db.all<Lease>(sql`SELECT peer, key, uri, until FROM resource_leases ORDER BY key`);
  } finally {
    store.close();
  }
}

async function unheldUpdates(n: NodeProc): Promise<number> {
  return (await json<{ refusals: Record<string, number> }>(await n.admin("GET", "/federation/refusals"))).refusals.resource_update_unheld!;
}

const seedA = newSeed();
const seedB = newSeed();
let everything: Upstream;
let a: NodeProc;
let b: NodeProc;
let atA: Client;
let atB: Client;
let sharedUri: string;
let unsharedUri: string;
/** The URIs whose updates A's old-era client heard, in order; and B's own client. */
const heardAtA: string[] = [];
const heardAtB: string[] = [];
const keyOf = (uri: string) => `everything/${encodeURIComponent(uri)}`;

beforeAll(async () => {
  everything = await startEverything();
  [a, b] = await Promise.all([openNode("alpha", { env: { NODE_SEED: seedA } }), openNode("bravo", { env: { NODE_SEED: seedB } })]);
  expect((await b.admin("POST", "/upstreams", { name: "everything", kind: "http", url: everything.url })).status).toBe(201);
  await json(await a.admin("POST", "/peers", { url: b.url }));
  atB = await connect(b.mcpUrl);
  atB.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void heardAtB.push(n.params.uri));
  const resources = (await atB.listResources()).resources.filter((r) => r.uri.startsWith("demo://resource/static/document/"));
  [sharedUri, unsharedUri] = [resources[0]!.uri, resources[1]!.uri];
  await json(await b.admin("POST", "/shares", { visibility: "peers", resource: sharedUri }));
  // The updates start for B's shared session with server-everything, which this call travels on.
  await atB.callTool({ name: "everything_toggle-subscriber-updates", arguments: {} });
  atA = await connect(a.mcpUrl);
  atA.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void heardAtA.push(n.params.uri));
  await eventually(async () => expect((await atA.listResources()).resources.map((r) => r.uri)).toContain(sharedUri), 15_000);
}, 90_000);

afterAll(async () => {
  await Promise.all([atA?.close(), atB?.close()]);
  await Promise.all([a, b, everything].map((n) => n?.stop()));
});

describe("a subscription to a peer's shared resource", () => {
  it("2025-11-25: a client at A hears B's upstream's updates; unsubscribing ends the lease at B and the updates", async () => {
    await atA.subscribeResource({ uri: sharedUri });
    const [lease] = await leasesAt(b);
    expect(lease).toMatchObject({ peer: a.nodeId, key: keyOf(sharedUri), uri: sharedUri });
    // A lease of at most ten minutes, from now.
    expect(lease!.until).toBeGreaterThan(Date.now());
    expect(lease!.until).toBeLessThanOrEqual(Date.now() + 600_000);
    // A's tick renews it while a client stays subscribed.
    await tick(a);
    await eventually(async () => expect((await leasesAt(b))[0]!.until).toBeGreaterThan(lease!.until), 10_000);
    await eventually(async () => expect(heardAtA).toContain(sharedUri), 20_000);
    expect(new Set(heardAtA)).toEqual(new Set([sharedUri]));

    await atA.unsubscribeResource({ uri: sharedUri });
    await eventually(async () => expect(await leasesAt(b)).toEqual([]), 10_000);
    // B's own client marks the upstream's ticks: once it has heard two, a whole tick passed without A.
    const before = heardAtA.length;
    await atB.subscribeResource({ uri: sharedUri });
    const mark = heardAtB.length;
    await eventually(async () => expect(heardAtB.length - mark).toBeGreaterThanOrEqual(2), 20_000);
    expect(heardAtA.length).toBe(before);
    await atB.unsubscribeResource({ uri: sharedUri });
  }, 90_000);

  it("2026-07-28: a listen at A naming the peer's resource carries its updates", async () => {
    const modern = await connectModern(a.mcpUrl);
    try {
      const updates: string[] = [];
      modern.setNotificationHandler("notifications/resources/updated", (n) => void updates.push(n.params.uri));
      const listening = await modern.listen({ resourceSubscriptions: [sharedUri] });
      await eventually(async () => expect(updates).toContain(sharedUri), 20_000);
      await listening.close();
      await eventually(async () => expect(await leasesAt(b)).toEqual([]), 10_000);
    } finally {
      await modern.close();
    }
  }, 60_000);

  it("refuses an unshared resource: not listed at A, and B itself refuses the lease, keeping nothing", async () => {
    await expect(atA.subscribeResource({ uri: unsharedUri })).rejects.toMatchObject({ code: -32602 });
    const request = { type: "resource-subscribe", key: keyOf(unsharedUri), uri: unsharedUri, leaseSeconds: 600 };
    const sent = await sealAs({ seed: seedA, id: a.nodeId }, b, "resource-subscribe", request);
    const res = await sent.post();
    expect(await openedAnswer(sent, res)).toMatchObject({ ok: true, result: { ok: false, error: { code: "not_shared", mcp: -32002 } } });
    // The shared key with another URI is no better.
    const swapped = await sealAs({ seed: seedA, id: a.nodeId }, b, "resource-subscribe", { ...request, key: keyOf(sharedUri) });
    expect(await openedAnswer(swapped, await swapped.post())).toMatchObject({ ok: true, result: { ok: false, error: { code: "not_shared" } } });
    // A lease longer than ten minutes is not a valid request.
    const long = await sealAs({ seed: seedA, id: a.nodeId }, b, "resource-subscribe", { ...request, key: keyOf(sharedUri), uri: sharedUri, leaseSeconds: 601 });
    expect(await openedAnswer(long, await long.post())).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await leasesAt(b)).toEqual([]);
  });

  it("drops an update A holds no subscription for, and one from a stranger, telling no client", async () => {
    const before = { heard: heardAtA.length, unheld: await unheldUpdates(a) };
    const update = { type: "resource-updated", key: keyOf(sharedUri), uri: sharedUri };
    // Signed by B, but A's clients hold no subscription to it now.
    const fromB = await sealAs({ seed: seedB, id: b.nodeId }, a, "resource-updated", update);
    expect(await openedAnswer(fromB, await fromB.post())).toMatchObject({ ok: true, result: { ok: false, error: { code: "not_subscribed" } } });
    expect(await unheldUpdates(a)).toBe(before.unheld + 1);
    // In B's name, signed by another key: refused before it is opened.
    const forged = await sealAs({ seed: newSeed(), id: b.nodeId }, a, "resource-updated", update);
    expect((await forged.post()).status).toBeGreaterThanOrEqual(400);

    // While subscribed, an update B never sent for another URI is still refused.
    await atA.subscribeResource({ uri: sharedUri });
    try {
      const other = await sealAs({ seed: seedB, id: b.nodeId }, a, "resource-updated", { ...update, key: keyOf(unsharedUri), uri: unsharedUri });
      expect(await openedAnswer(other, await other.post())).toMatchObject({ ok: true, result: { ok: false, error: { code: "not_subscribed" } } });
      expect(await unheldUpdates(a)).toBe(before.unheld + 2);
      expect(heardAtA.slice(before.heard)).not.toContain(unsharedUri);
    } finally {
      await atA.unsubscribeResource({ uri: sharedUri });
    }
  }, 60_000);

  it("survives B's restart: B keeps the lease, and A's next renewal subscribes B's upstream again", async () => {
    await atA.subscribeResource({ uri: sharedUri });
    const { port, dataDir } = b;
    await atB.close();
    await b.stop();
    b = await openNode("bravo", { port, dataDir, env: { NODE_SEED: seedB } });
    expect(await leasesAt(b)).toMatchObject([{ peer: a.nodeId, key: keyOf(sharedUri) }]);
    atB = await connect(b.mcpUrl);
    await atB.callTool({ name: "everything_toggle-subscriber-updates", arguments: {} });
    const before = heardAtA.length;
    await tick(a);
    await eventually(async () => expect(heardAtA.slice(before)).toContain(sharedUri), 20_000);
    await atA.unsubscribeResource({ uri: sharedUri });
    await eventually(async () => expect(await leasesAt(b)).toEqual([]), 10_000);
  }, 90_000);
});
