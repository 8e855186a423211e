// Peers' tool entries as the registry holds them, for the composite catalog
// (src/node/catalog/federated.ts picks the version to show).
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { registryEntries as t } from "./schema/index.ts";

/**
 * Per (origin, key), the entry the conflict rule picks across both visibility slots, when it is
 * not a tombstone (withdrawn, or narrowed away from this node). Entries of `self` are left out.
 */
export function liveToolEntries(db: Database, self: string): Promise<{ id: string; entry: string }[]> {
  return db.all<{ id: string; entry: string }>(sql`
    SELECT id, entry FROM (
      SELECT ${t.id} AS id, ${t.entry} AS entry, ${t.tombstone} AS tombstone,
        row_number() OVER (PARTITION BY ${t.origin}, ${t.key} ORDER BY ${t.hlc} DESC, ${t.id} ASC) AS rank
      FROM ${t}
      WHERE ${t.kind} = 'tool' AND ${t.origin} != ${self}
    )
    WHERE rank = 1 AND tombstone = 0`);
}

/**
 * Which of `origins` have a tool entry held here that is not a tombstone: the destinations a
 * forwarder's claim may name (§12.6.1). A node that only calls (shares no tool) is never named.
 */
export async function originsWithTools(db: Database, origins: string[]): Promise<Set<string>> {
  if (origins.length === 0) return new Set();
  const rows = await db
    .selectDistinct({ origin: t.origin })
    .from(t)
    .where(and(inArray(t.origin, origins), eq(t.kind, "tool"), eq(t.tombstone, false)));
  return new Set(rows.map((r) => r.origin));
}
