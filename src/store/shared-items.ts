// Resource, resource-template and prompt entries as the registry holds them: peers', for the
// catalog (src/node/catalog/federated-items.ts names them), and this node's own, for the relay.
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { registryEntries as t } from "./schema/index.ts";
import type { Entry, SignedEntry } from "../protocol/registry/entry.ts";
import type { ItemKind } from "../protocol/registry/shared-items.ts";

/**
 * Per (origin, kind, key), the entry the conflict rule picks across both visibility slots, when it
 * is not a tombstone. Entries of `self` are left out: its own items are local already.
 */
export function liveItemEntries(db: Database, self: string): Promise<{ id: string; entry: string }[]> {
  return db.all<{ id: string; entry: string }>(sql`
    SELECT id, entry FROM (
      SELECT ${t.id} AS id, ${t.entry} AS entry, ${t.tombstone} AS tombstone,
        row_number() OVER (PARTITION BY ${t.origin}, ${t.kind}, ${t.key} ORDER BY ${t.hlc} DESC, ${t.id} ASC) AS rank
      FROM ${t}
      WHERE ${t.kind} IN ('resource', 'resource-template', 'prompt') AND ${t.origin} != ${self}
    )
    WHERE rank = 1 AND tombstone = 0`);
}

/** The live entry this node shares as (kind, key), by the catalog's rule; undefined when withdrawn or never shared. */
export async function ownLiveItem(db: Database, self: string, kind: ItemKind, key: string): Promise<Entry | undefined> {
  const [row] = await db
    .select({ id: t.id, entry: t.entry, tombstone: t.tombstone })
    .from(t)
    .where(and(eq(t.origin, self), eq(t.kind, kind), eq(t.key, key)))
    .orderBy(sql`${t.hlc} DESC`, asc(t.id))
    .limit(1);
  return row && !row.tombstone ? { id: row.id, canonical: row.entry, signed: JSON.parse(row.entry) as SignedEntry } : undefined;
}
