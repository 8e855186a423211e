// The peers table: who this node federates with, the card each last presented, and the state of
// the relationship in both directions.
import { count, eq, sql } from "drizzle-orm";
import type { Card } from "../protocol/card/schema.ts";
import { prepareOnce, type Database } from "./database.ts";
import { peers } from "./schema/index.ts";

export type Peer = typeof peers.$inferSelect;
export type PeerState = Peer["state"];
export type TheirState = Peer["theirState"];

// A federation request reads its sender's row several times (the envelope check, the key of each
// signature, the caller's name), so a row is kept a second per process or isolate. This process's
// writes drop it at once; another process's (an operator blocking the peer there) show within it.
const PEER_CACHE_MS = 1000;
const cache = new WeakMap<Database, Map<string, { row: Peer | undefined; at: number }>>();

function forget(db: Database, nodeId: string): void {
  cache.get(db)?.delete(nodeId);
}

export async function getPeer(db: Database, nodeId: string): Promise<Peer | undefined> {
  let rows = cache.get(db);
  if (!rows) cache.set(db, (rows = new Map()));
  const hit = rows.get(nodeId);
  if (hit && Date.now() - hit.at < PEER_CACHE_MS) return hit.row;
  const [row] = await prepareOnce(db, "peerById", () => db.select().from(peers).where(eq(peers.nodeId, sql.placeholder("id"))).prepare()).all({ id: nodeId });
  rows.set(nodeId, { row, at: Date.now() });
  return row;
}

export function listPeers(db: Database): Promise<Peer[]> {
  return db.select().from(peers).orderBy(peers.createdAt);
}

export interface PeerRecord {
  card: Card;
  state: PeerState;
  theirState?: TheirState;
  version: string;
  features: string[];
  /** Set when this node has just said hello to the peer with this signing key id. */
  announcedKeyId?: string;
}

/** Node ids the operator blocked: their traffic, and their entries however relayed, are refused. */
export async function blockedPeerIds(db: Database): Promise<ReadonlySet<string>> {
  const rows = await db.select({ nodeId: peers.nodeId }).from(peers).where(eq(peers.state, "blocked"));
  return new Set(rows.map((r) => r.nodeId));
}

/** Nodes waiting for the operator's approval. */
export async function countPending(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(peers).where(eq(peers.state, "pending"));
  return row?.n ?? 0;
}

/** Inserts the peer, or updates its card, state and agreement. */
export async function savePeer(db: Database, r: PeerRecord): Promise<Peer> {
  const now = Date.now();
  const values = {
    name: r.card.name,
    url: r.card.url,
    card: r.card,
    state: r.state,
    version: r.version,
    features: r.features,
    updatedAt: now,
    lastSeenAt: now,
    ...(r.theirState ? { theirState: r.theirState } : {}),
    ...(r.announcedKeyId ? { announcedKeyId: r.announcedKeyId } : {}),
  };
  const [row] = await db
    .insert(peers)
    .values({ nodeId: r.card.id, ...values })
    .onConflictDoUpdate({ target: peers.nodeId, set: values })
    .returning();
  forget(db, r.card.id);
  return row!;
}

/** A newer card for a known peer (its keys rotated or its card expired). */
export async function updateCard(db: Database, nodeId: string, card: Card): Promise<void> {
  await db.update(peers).set({ card, name: card.name, url: card.url, updatedAt: Date.now() }).where(eq(peers.nodeId, nodeId));
  forget(db, nodeId);
}

export async function setState(db: Database, nodeId: string, state: PeerState): Promise<Peer | undefined> {
  const [row] = await db.update(peers).set({ state, updatedAt: Date.now() }).where(eq(peers.nodeId, nodeId)).returning();
  forget(db, nodeId);
  return row;
}

/** After a hello this node sent: how the peer now regards it, and the key it said hello with. */
export async function helloAnswered(db: Database, nodeId: string, theirState: TheirState, announcedKeyId: string): Promise<void> {
  await db.update(peers).set({ theirState, announcedKeyId, updatedAt: Date.now() }).where(eq(peers.nodeId, nodeId));
  forget(db, nodeId);
}

/** The operator's alias for the peer's shared tools; null goes back to the one derived from its card. */
export async function setAlias(db: Database, nodeId: string, alias: string | null): Promise<Peer | undefined> {
  const [row] = await db.update(peers).set({ alias, updatedAt: Date.now() }).where(eq(peers.nodeId, nodeId)).returning();
  forget(db, nodeId);
  return row;
}

/** How stale `lastSeenAt` may get: a busy peer is not worth a write per request. */
const TOUCH_EVERY_MS = 30_000;

/** Not a change the cache needs to see: only `lastSeenAt` moves. */
export async function touchPeer(db: Database, nodeId: string): Promise<void> {
  const now = Date.now();
  const seen = (await getPeer(db, nodeId))?.lastSeenAt ?? 0;
  if (now - seen < TOUCH_EVERY_MS) return;
  await db.update(peers).set({ lastSeenAt: now }).where(eq(peers.nodeId, nodeId));
  forget(db, nodeId);
}

export async function removePeer(db: Database, nodeId: string): Promise<boolean> {
  const rows = await db.delete(peers).where(eq(peers.nodeId, nodeId)).returning({ nodeId: peers.nodeId });
  forget(db, nodeId);
  return rows.length > 0;
}
