// The last domain check of each peer and public node (src/node/peers/domains.ts): one row per node.
import { and, eq, notExists, notInArray, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { nodeDomains, peers, registryEntries } from "./schema/index.ts";

export type DomainCheck = typeof nodeDomains.$inferSelect;

export function domainChecks(db: Database): Promise<DomainCheck[]> {
  return db.select().from(nodeDomains);
}

export async function domainCheckOf(db: Database, nodeId: string): Promise<DomainCheck | undefined> {
  const [row] = await db.select().from(nodeDomains).where(eq(nodeDomains.nodeId, nodeId));
  return row;
}

export async function saveDomainCheck(db: Database, check: DomainCheck): Promise<void> {
  const { nodeId: _id, ...values } = check;
  await db.insert(nodeDomains).values(check).onConflictDoUpdate({ target: nodeDomains.nodeId, set: values });
}

/**
 * Forgets the checks of nodes that are neither peers nor public nodes with a live node entry, so
 * the table stays as small as those two together.
 */
export async function pruneDomainChecks(db: Database): Promise<void> {
  await db
    .delete(nodeDomains)
    .where(
      and(
        notInArray(nodeDomains.nodeId, sql`(SELECT ${peers.nodeId} FROM ${peers})`),
        // Per row, a look-up on the registry's (origin, kind, …) index rather than a scan of it.
        notExists(db.select({ one: sql`1` }).from(registryEntries).where(and(eq(registryEntries.origin, nodeDomains.nodeId), eq(registryEntries.kind, "node"), eq(registryEntries.tombstone, false)))),
      ),
    );
}
