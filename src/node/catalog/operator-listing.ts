// The catalog as the operator reads it a page at a time: this node's tools by short name from
// the store, then peers' tools by id (named per listing, as tools/list names them, and only when
// the registry holds any), the first page of items and of shares, and the counts. One call
// serves a whole listing page, so its cost follows the page and not the size of the catalog.
import type { Database } from "../../store/database.ts";
import { catalogHolds, ownSharesPage, toolRowsAfter, type ToolRow } from "../../store/catalog-pages.ts";
import type { Entry } from "../../protocol/registry/entry.ts";
import { namedFederatedTools, type ListedFederatedTool } from "./federated-view.ts";
import { catalogItems, type CatalogItem } from "./item-names.ts";

type Port = { db: Database; nodeId: string };

/** Where a listing page starts: after a local tool's short name, or after a peer's tool's global id. */
export type ListingCursor = { part: "local" | "peers"; after: string | null };

export function parseCursor(text: string | undefined): ListingCursor {
  if (text?.startsWith("peers:")) return { part: "peers", after: text.slice("peers:".length) || null };
  if (text?.startsWith("local:")) return { part: "local", after: text.slice("local:".length) || null };
  return { part: "local", after: null };
}

function cursorText(c: ListingCursor): string {
  return `${c.part}:${c.after ?? ""}`;
}

/** One tool as a listing row shows it. */
export type ListedTool =
  | { kind: "local"; tool: ToolRow }
  | { kind: "peer"; tool: ListedFederatedTool };

export interface ToolPage {
  tools: ListedTool[];
  /** The next page's cursor; null on the last page. */
  next: string | null;
  /** How many peers' tools are listed (this node's are counted per upstream). */
  peerTotal: number;
}

async function toolPage(s: Port, cursor: ListingCursor, limit: number, peerToolsHeld: boolean): Promise<ToolPage> {
  const [local, peers] = await Promise.all([
    cursor.part === "local" ? toolRowsAfter(s.db, s.nodeId, cursor.after, limit + 1) : Promise.resolve([]),
    peerToolsHeld ? namedFederatedTools(s) : Promise.resolve([]),
  ]);
  const own = local.slice(0, limit);
  const tools: ListedTool[] = own.map((t) => ({ kind: "local", tool: t }));
  if (local.length > limit) return { tools, next: cursorText({ part: "local", after: own.at(-1)!.shortName }), peerTotal: peers.length };
  // Peers' tools follow the local ones, by global id (namedFederatedTools sorts them so).
  const after = cursor.part === "peers" ? cursor.after : null;
  const rest = peers.filter((t) => after === null || t.globalId > after);
  const taken = rest.slice(0, limit - tools.length);
  tools.push(...taken.map((t): ListedTool => ({ kind: "peer", tool: t })));
  const next = rest.length > taken.length ? cursorText({ part: "peers", after: taken.at(-1)?.globalId ?? after }) : null;
  return { tools, next, peerTotal: peers.length };
}

export interface CatalogListing extends ToolPage {
  /** The first `limit` resources, templates and prompts, local first. */
  items: { items: CatalogItem[]; total: number };
  /** This node's live shares, newest first. */
  shares: { entries: Entry[]; total: number };
}

/** A page of the catalog's tools, with the first page of its items and of this node's shares. */
export async function catalogListing(s: Port, cursor: ListingCursor, limit: number): Promise<CatalogListing> {
  const holds = await catalogHolds(s.db, s.nodeId);
  const [tools, items, shares] = await Promise.all([
    toolPage(s, cursor, limit, holds.peerTools),
    holds.items ? catalogItems(s) : Promise.resolve([]),
    ownSharesPage(s.db, s.nodeId, limit),
  ]);
  return { ...tools, items: { items: items.slice(0, limit), total: items.length }, shares };
}
