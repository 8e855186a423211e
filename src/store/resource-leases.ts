// Peers' leases on this node's shared resources: one row per peer and resource, its end renewed
// by each subscribe. Expired rows are deleted whenever a peer's leases are counted or read.
import { and, count, eq, gt, lte } from "drizzle-orm";
import type { Database } from "./database.ts";
import { resourceLeases } from "./schema/index.ts";

export interface ResourceLease {
  peer: string;
  key: string;
  uri: string;
  until: number;
}

async function dropExpired(db: Database, now: number): Promise<void> {
  await db.delete(resourceLeases).where(lte(resourceLeases.until, now));
}

/**
 * Starts or renews `lease`, unless it is new and the peer, or the node, holds its maximum already:
 * then false, and nothing is stored.
 */
export async function holdLease(db: Database, lease: ResourceLease, now: number, caps: { perPeer: number; total: number }): Promise<boolean> {
  await dropExpired(db, now);
  const mine = and(eq(resourceLeases.peer, lease.peer), eq(resourceLeases.key, lease.key));
  const [held] = await db.select({ key: resourceLeases.key }).from(resourceLeases).where(mine);
  if (held) {
    await db.update(resourceLeases).set({ until: lease.until, uri: lease.uri }).where(mine);
    return true;
  }
  const [{ n: peers } = { n: 0 }] = await db.select({ n: count() }).from(resourceLeases).where(eq(resourceLeases.peer, lease.peer));
  const [{ n: all } = { n: 0 }] = await db.select({ n: count() }).from(resourceLeases);
  if (peers >= caps.perPeer || all >= caps.total) return false;
  await db.insert(resourceLeases).values(lease).onConflictDoUpdate({ target: [resourceLeases.peer, resourceLeases.key], set: { until: lease.until, uri: lease.uri } });
  return true;
}

/** Whether the peer holds a lease on `key` that runs past `now`. */
export async function leaseRunning(db: Database, peer: string, key: string, now: number): Promise<boolean> {
  const [row] = await db
    .select({ key: resourceLeases.key })
    .from(resourceLeases)
    .where(and(eq(resourceLeases.peer, peer), eq(resourceLeases.key, key), gt(resourceLeases.until, now)));
  return row !== undefined;
}

/** Ends the peer's lease on `key`; its URI, if it held one. */
export async function endLease(db: Database, peer: string, key: string): Promise<string | undefined> {
  const [ended] = await db
    .delete(resourceLeases)
    .where(and(eq(resourceLeases.peer, peer), eq(resourceLeases.key, key)))
    .returning({ uri: resourceLeases.uri });
  return ended?.uri;
}

/** The peer's running leases on the upstream URI `uri` (expired ones are deleted). */
export async function runningLeases(db: Database, peer: string, uri: string, now: number): Promise<ResourceLease[]> {
  await dropExpired(db, now);
  return db
    .select()
    .from(resourceLeases)
    .where(and(eq(resourceLeases.peer, peer), eq(resourceLeases.uri, uri), gt(resourceLeases.until, now)));
}
