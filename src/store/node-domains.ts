// The last domain check of each peer (src/node/trust/domains.ts): one row per node.
import { eq, notInArray, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { nodeDomains, peers } from "./schema/index.ts";

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

/** Forgets the checks of nodes that are no longer peers, so the table stays as small as the peers table. */
export async function pruneDomainChecks(db: Database): Promise<void> {
  await db.delete(nodeDomains).where(notInArray(nodeDomains.nodeId, sql`(SELECT ${peers.nodeId} FROM ${peers})`));
}
