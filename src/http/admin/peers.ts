// The operator's peer commands in the admin API: add by URL, list, approve, block, unblock,
// remove, ping; this node's own identity, which operators exchange to allowlist each other; and
// the public nodes it learned of through the registry, which they may add.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { ownOrigin } from "../../node/card/own.ts";
import { PeerRequestError } from "../../node/federation-client/errors.ts";
import { describe } from "../../protocol/identity/primitives.ts";
import type { Services } from "../../node/services.ts";
import { directoryOnlyNodes, knownNodes, type KnownNode } from "../../node/peers/nodes.ts";
import { allPeers, findPeer, forgetPeer, setPeerState, type Peer } from "../../node/peers/directory.ts";
import { aliasPeer, NameCollisionError } from "../../node/catalog/names.ts";
import { announce, approve, introduce, PeeringError } from "../../node/peers/hello.ts";
import { aliasOf } from "../../node/catalog/federated-view.ts";
import { verifications, type Verifications } from "../../node/peers/verifications.ts";

export function peerView(p: Peer) {
  return {
    id: p.nodeId,
    name: p.name,
    alias: aliasOf(p.nodeId, p),
    url: p.url,
    mcp: p.card.mcp,
    state: p.state,
    theirState: p.theirState,
    version: p.version,
    features: p.features,
    signingKeyId: p.card.keys.sig.kid,
    createdAt: new Date(p.createdAt).toISOString(),
    lastSeenAt: p.lastSeenAt ? new Date(p.lastSeenAt).toISOString() : null,
  };
}

const BAD_GATEWAY = new Set(["unreachable", "refused"]);

type Shown = Awaited<ReturnType<typeof verifications>>;

/** Every peer as `GET /peers` lists it (`peers` as allPeers reads them). */
export async function peerRows(s: Services, shown: Shown, peers: readonly Peer[]) {
  const held = new Map((await s.quarantine.list()).filter((q) => q.status === "quarantined").map((q) => [q.nodeId, { source: q.source, reason: q.reason }]));
  return peers.map((p) => ({ ...peerView(p), ...shown.of(p.nodeId, p.card), quarantine: held.get(p.nodeId) ?? null }));
}

/** One public node as `GET /nodes` lists it: a card's fields when its node entry is kept, the URL alone when only its directory entry is. */
type NodeRow = {
  id: string;
  entry: "node" | "directory";
  name: string | null;
  url: string;
  mcp?: string;
  contact?: string;
  expiresAt: string;
  peer: KnownNode["peer"];
  learnedFrom: string | null;
} & Partial<Verifications>;

/** Every public node known here as `GET /nodes` lists it: those whose node entries (cards) are kept, then those known by their compact directory entry alone. */
export async function nodeRows(s: Services, shown: Shown, peers: readonly Peer[]): Promise<NodeRow[]> {
  const carded = await knownNodes(s, peers);
  const compact = await directoryOnlyNodes(s, new Set(carded.map((n) => n.card.id)), peers);
  const cards = carded.map(
    (n): NodeRow => ({
      id: n.card.id,
      entry: "node",
      name: n.card.name,
      url: n.card.url,
      mcp: n.card.mcp,
      ...(n.card.contact ? { contact: n.card.contact } : {}),
      expiresAt: new Date(n.card.exp * 1000).toISOString(),
      peer: n.peer,
      learnedFrom: n.learnedFrom,
      ...shown.of(n.card.id, n.card),
    }),
  );
  const directory = compact.map((n): NodeRow => ({ id: n.id, entry: "directory", name: null, url: n.url, expiresAt: new Date(n.exp * 1000).toISOString(), peer: n.peer, learnedFrom: n.learnedFrom }));
  return [...cards, ...directory];
}

export function peerAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/identity", async (c) => {
    const card = await (await s.card()).get(ownOrigin(s, c.req.url), s.now());
    return c.json({ id: card.id, card, crypto: describe((await s.identity()).primitives) });
  });

  // Each pending feature's trust-weighted adoption among the public nodes known here (docs/protocol.md §20.5).
  app.get("/nodes/features", async (c) => c.json({ features: await s.features.adoption() }));

  app.get("/nodes", async (c) => c.json({ nodes: await nodeRows(s, await verifications(s), await allPeers(s)) }));

  app.get("/peers", async (c) => c.json({ peers: await peerRows(s, await verifications(s), await allPeers(s)) }));

  // This process's counts since it started; on Workers, one isolate's.
  app.get("/federation/refusals", (c) => c.json({ refusals: s.federationRefusals.snapshot() }));
  app.get("/federation/channels", async (c) => c.json(await s.channels.status()));

  app.post("/peers", async (c) => {
    const body = await readJson(c, z.object({ url: z.url({ protocol: /^https?$/ }) }).strict());
    if (!body.ok) return body.res;
    try {
      return c.json({ peer: peerView(await introduce(s, body.value.url, c.req.url)) }, 201);
    } catch (err) {
      if (!(err instanceof PeeringError)) throw err;
      if (err.code === "blocked") return fail(c, "conflict", err.message);
      return fail(c, BAD_GATEWAY.has(err.code) ? "bad_gateway" : "invalid_request", `${err.message} (${err.code})`);
    }
  });

  app.post("/peers/announce", async (c) => c.json({ hellos: await announce(s, c.req.url) }));

  app.get("/peers/:id", async (c) => {
    const peer = await findPeer(s, c.req.param("id"));
    if (!peer) return fail(c, "not_found", "no such peer");
    return c.json({ peer: { ...peerView(peer), ...(await verifications(s)).of(peer.nodeId, peer.card) }, card: peer.card });
  });

  // Approving tells the peer at once, with a hello: it learns that it is active here.
  app.post("/peers/:id/approve", async (c) => {
    const peer = await findPeer(s, c.req.param("id"));
    if (!peer) return fail(c, "not_found", "no such peer");
    if (peer.state === "blocked") return fail(c, "conflict", "the peer is blocked; unblock it instead");
    const hello = await approve(s, peer, c.req.url);
    return c.json({ peer: peerView((await findPeer(s, peer.nodeId))!), hello });
  });

  for (const [action, state] of [["block", "blocked"], ["unblock", "active"]] as const) {
    app.post(`/peers/:id/${action}`, async (c) => {
      const current = await findPeer(s, c.req.param("id"));
      if (!current) return fail(c, "not_found", "no such peer");
      if (action === "unblock" && current.state !== "blocked") return fail(c, "conflict", "the peer is not blocked");
      return c.json({ peer: peerView((await setPeerState(s, current.nodeId, state))!) });
    });
  }

  // Short names of the peer's tools start with its alias (src/node/catalog/federated-view.ts);
  // "" lists them under the names their origin gives them.
  app.patch("/peers/:id", async (c) => {
    const body = await readJson(c, z.object({ alias: z.string().regex(/^[A-Za-z0-9_-]{0,32}$/, "up to 32 letters, digits, \"_\" or \"-\"").nullable() }).strict());
    if (!body.ok) return body.res;
    try {
      const peer = await aliasPeer(s, c.req.param("id"), body.value.alias);
      if (!peer) return fail(c, "not_found", "no such peer");
      return c.json({ peer: peerView(peer) });
    } catch (err) {
      if (err instanceof NameCollisionError) return fail(c, "conflict", err.message);
      throw err;
    }
  });

  app.delete("/peers/:id", async (c) => {
    if (!(await forgetPeer(s, c.req.param("id")))) return fail(c, "not_found", "no such peer");
    return c.body(null, 204);
  });

  // A new handshake on the next request: after a suspected key compromise, or to measure one.
  app.delete("/peers/:id/channels", async (c) => {
    const peer = await findPeer(s, c.req.param("id"));
    if (!peer) return fail(c, "not_found", "no such peer");
    await s.channels.endPeer(peer.nodeId);
    return c.body(null, 204);
  });

  app.post("/peers/:id/ping", async (c) => {
    const peer = await findPeer(s, c.req.param("id"));
    if (!peer) return fail(c, "not_found", "no such peer");
    try {
      return c.json({ pong: await s.federation.ping(peer) });
    } catch (err) {
      if (err instanceof PeerRequestError) return fail(c, "bad_gateway", `${err.message} (${err.code})`);
      throw err;
    }
  });

  return app;
}
