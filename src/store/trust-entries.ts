// Trust entries (protocol §7.1.2) as the registry holds them, for whoever weighs them: per
// (origin, kind, key), the entry the conflict rule picks across both visibility slots, when it is
// live. Expiry is left to the reader, which knows the time; entries were checked on admission.
import { sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { registryEntries as t } from "./schema/index.ts";
import type { SignedEntry } from "../protocol/registry/entry.ts";
import type { TrustKind } from "../protocol/registry/trust-entries.ts";

export type LiveTrustEntry<K extends TrustKind> = Extract<SignedEntry, { kind: K; tombstone: false }> & { id: string };

export interface TrustEntryFilter {
  /** Only entries these nodes signed. */
  origins?: readonly string[];
  /** Only entries about this node: keys `<subject>` and `<subject>/…` (a rating's subject is its tool's origin). */
  subject?: string;
}

export async function liveTrustEntries<K extends TrustKind>(db: Database, kind: K, filter: TrustEntryFilter = {}): Promise<LiveTrustEntry<K>[]> {
  if (filter.origins?.length === 0) return [];
  const origins = filter.origins ? sql` AND ${t.origin} IN (${sql.join(filter.origins.map((o) => sql`${o}`), sql`, `)})` : sql``;
  // Node ids may hold "_", a LIKE wildcard: compare the prefix instead.
  const subject = filter.subject !== undefined ? sql` AND (${t.key} = ${filter.subject} OR substr(${t.key}, 1, ${filter.subject.length + 1}) = ${`${filter.subject}/`})` : sql``;
  const rows = await db.all<{ id: string; entry: string }>(sql`
    SELECT id, entry FROM (
      SELECT ${t.id} AS id, ${t.entry} AS entry, ${t.tombstone} AS tombstone,
        row_number() OVER (PARTITION BY ${t.origin}, ${t.key} ORDER BY ${t.hlc} DESC, ${t.id} ASC) AS rank
      FROM ${t}
      WHERE ${t.kind} = ${kind}${origins}${subject}
    )
    WHERE rank = 1 AND tombstone = 0`);
  return rows.map((r) => ({ ...(JSON.parse(r.entry) as LiveTrustEntry<K>), id: r.id }));
}
