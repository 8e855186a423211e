// The catalog read a page at a time for the operator's listing: only the columns a row shows,
// and the counts from the store, so a listing costs its page and not the whole catalog.
import { and, asc, desc, eq, gt, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { prompts, registryEntries, resources, resourceTemplates, tools, toolSettings } from "./schema/index.ts";
import { ITEM_KINDS } from "../protocol/registry/shared-items.ts";
import type { Entry, SignedEntry } from "../protocol/registry/entry.ts";

/** A local tool as a listing row shows it (no definition), and whether this node shares it now. */
export interface ToolRow {
  globalId: string;
  upstream: string;
  /** The tool's name at its upstream. */
  name: string;
  shortName: string;
  hidden: boolean;
  pinned: boolean;
  shared: boolean;
}

/** Up to `limit` local tools by short name, after `after` (from the first when null). */
export function toolRowsAfter(db: Database, self: string, after: string | null, limit: number): Promise<ToolRow[]> {
  // A tool's registry key is `<upstream>/<tool>`; a labelled key (`@<label>`) is another share.
  const shared = sql<number>`EXISTS (SELECT 1 FROM ${registryEntries} WHERE ${registryEntries.origin} = ${self} AND ${registryEntries.kind} = 'tool'
    AND ${registryEntries.key} = ${tools.upstream} || '/' || ${tools.name} AND ${registryEntries.tombstone} = 0)`.mapWith(Boolean);
  return db
    .select({ globalId: tools.globalId, upstream: tools.upstream, name: tools.name, shortName: toolSettings.shortName, hidden: toolSettings.hidden, pinned: toolSettings.pinned, shared })
    .from(tools)
    .innerJoin(toolSettings, eq(toolSettings.globalId, tools.globalId))
    .where(after === null ? undefined : gt(toolSettings.shortName, after))
    .orderBy(asc(toolSettings.shortName))
    .limit(limit);
}

/** Every local tool's names, and nothing else: what naming peers' tools around them needs. */
export function toolNames(db: Database): Promise<Pick<ToolRow, "globalId" | "upstream" | "name" | "shortName">[]> {
  return db
    .select({ globalId: tools.globalId, upstream: tools.upstream, name: tools.name, shortName: toolSettings.shortName })
    .from(tools)
    .innerJoin(toolSettings, eq(toolSettings.globalId, tools.globalId));
}

/** What else the catalog holds, in one statement: a peer's live tool entry; any resource, template or prompt, local or a peer's. */
export async function catalogHolds(db: Database, self: string): Promise<{ peerTools: boolean; items: boolean }> {
  const live = (kinds: readonly string[]) =>
    sql`EXISTS (SELECT 1 FROM ${registryEntries} WHERE ${registryEntries.kind} IN ${kinds} AND ${registryEntries.origin} != ${self} AND ${registryEntries.tombstone} = 0)`;
  const [row] = await db.all<{ peerTools: number; items: number }>(sql`SELECT ${live(["tool"])} AS peerTools,
    EXISTS (SELECT 1 FROM ${resources}) OR EXISTS (SELECT 1 FROM ${resourceTemplates}) OR EXISTS (SELECT 1 FROM ${prompts}) OR ${live(ITEM_KINDS)} AS items`);
  return { peerTools: Boolean(row?.peerTools), items: Boolean(row?.items) };
}

/** This node's live shares, newest first, up to `limit`, and how many there are. */
export async function ownSharesPage(db: Database, self: string, limit: number): Promise<{ entries: Entry[]; total: number }> {
  const rows = await db
    .select({ id: registryEntries.id, entry: registryEntries.entry, total: sql<number>`count(*) OVER ()` })
    .from(registryEntries)
    .where(and(eq(registryEntries.origin, self), eq(registryEntries.tombstone, false)))
    .orderBy(desc(registryEntries.hlc))
    .limit(limit);
  return { entries: rows.map((r) => ({ id: r.id, canonical: r.entry, signed: JSON.parse(r.entry) as SignedEntry })), total: rows[0]?.total ?? 0 };
}
