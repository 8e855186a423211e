// This node's own catalog, imported from its upstreams: what its MCP clients list, search and call,
// and the operator's settings on each tool (names, hidden, pinned).
import type { Database } from "../../store/database.ts";
import * as catalog from "../../store/catalog.ts";
import { getUpstream, type UpstreamRow } from "../../store/upstreams.ts";

export { CatalogConflictError, type Callable, type CatalogTool } from "../../store/catalog.ts";

type Catalog = { db: Database };

/** Every tool, hidden ones included: the operator's view. */
export function localTools(s: Catalog, upstream?: string) {
  return catalog.listTools(s.db, upstream);
}

export function localTool(s: Catalog, by: { shortName: string } | { globalId: string }) {
  return catalog.findTool(s.db, by);
}

/** What tools/list shows: visible tools, or only the pinned ones in search mode. */
export function visibleTools(s: Catalog, pinnedOnly: boolean) {
  return catalog.listVisibleTools(s.db, pinnedOnly);
}

export function searchLocalTools(s: Catalog, query: string, limit: number) {
  return catalog.searchTools(s.db, query, limit);
}

export function resources(s: Catalog) {
  return catalog.listResources(s.db);
}

export function resourceTemplates(s: Catalog) {
  return catalog.listResourceTemplates(s.db);
}

export function prompts(s: Catalog) {
  return catalog.listPrompts(s.db);
}

/** Matches a URI against an RFC 6570 template, treating every expression as one path-safe run. */
export function templateMatches(template: string, uri: string): boolean {
  const pattern = template
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith("{") ? (part.startsWith("{+") ? ".+" : "[^/?#]+") : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${pattern}$`).test(uri);
}

/** The upstream that serves a resource: by its listed URI, else by a template that matches it. */
export async function resourceUpstream(s: Catalog, uri: string): Promise<UpstreamRow | undefined> {
  let upstream = (await catalog.findResource(s.db, uri))[0]?.upstream;
  if (!upstream) {
    const templates = await catalog.listResourceTemplates(s.db);
    upstream = templates.find((t) => templateMatches(t.uriTemplate, uri))?.upstream;
  }
  return upstream ? getUpstream(s.db, upstream) : undefined;
}

/** The upstream that lists a resource template, by the template itself (as completion names it). */
export async function templateUpstream(s: Catalog, uriTemplate: string): Promise<UpstreamRow | undefined> {
  const upstream = (await catalog.listResourceTemplates(s.db)).find((t) => t.uriTemplate === uriTemplate)?.upstream;
  return upstream ? getUpstream(s.db, upstream) : undefined;
}

/** A prompt by the name the catalog gives it, and the upstream that serves it. */
export async function promptWithUpstream(s: Catalog, shortName: string) {
  const prompt = await catalog.findPrompt(s.db, shortName);
  const upstream = prompt ? await getUpstream(s.db, prompt.upstream) : undefined;
  return prompt && upstream ? { prompt, upstream } : undefined;
}
