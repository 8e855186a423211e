// This node's own catalog, imported from its upstreams: what its MCP clients list, search and call,
// and the operator's settings on each tool (names, hidden, pinned) and on each resource, template
// and prompt (hidden).
import type { Database } from "../../store/database.ts";
import * as catalog from "../../store/catalog.ts";
import { getUpstream, type UpstreamRow } from "../../store/upstreams.ts";
import { federatedSettingsOf, refId } from "../../store/federated-settings.ts";
import { keyOfItem, type ItemKind } from "../../protocol/registry/shared-items.ts";

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

type Own = Catalog & { nodeId: string };

/** Whether the operator hid this node's own item (src/node/catalog/item-names.ts keeps the choice). */
async function hiddenOf(s: Own, kind: ItemKind): Promise<(upstream: string, name: string) => boolean> {
  const settings = await federatedSettingsOf(s.db, kind);
  return (upstream, name) => settings.get(refId({ kind, origin: s.nodeId, ref: keyOfItem(kind, upstream, name) }))?.hidden ?? false;
}

/** What resources/list shows of this node's own: the resources the operator did not hide. */
export async function resources(s: Own) {
  const hidden = await hiddenOf(s, "resource");
  return (await catalog.listResources(s.db)).filter((r) => !hidden(r.resources.upstream, r.resources.uri));
}

export async function resourceTemplates(s: Own) {
  const hidden = await hiddenOf(s, "resource-template");
  return (await catalog.listResourceTemplates(s.db)).filter((t) => !hidden(t.upstream, t.uriTemplate));
}

export async function prompts(s: Own) {
  const hidden = await hiddenOf(s, "prompt");
  return (await catalog.listPrompts(s.db)).filter((p) => !hidden(p.upstream, p.name));
}

/** Matches a URI against an RFC 6570 template, treating every expression as one path-safe run. */
export function templateMatches(template: string, uri: string): boolean {
  const pattern = template
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith("{") ? (part.startsWith("{+") ? ".+" : "[^/?#]+") : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${pattern}$`).test(uri);
}

/** The upstream that serves a resource: by its listed URI, else by a template that matches it; never a hidden one. */
export async function resourceUpstream(s: Own, uri: string): Promise<UpstreamRow | undefined> {
  const hidden = await hiddenOf(s, "resource");
  let upstream = (await catalog.findResource(s.db, uri)).find((r) => !hidden(r.upstream, r.uri))?.upstream;
  if (!upstream) {
    const templates = await resourceTemplates(s);
    upstream = templates.find((t) => templateMatches(t.uriTemplate, uri))?.upstream;
  }
  return upstream ? getUpstream(s.db, upstream) : undefined;
}

/** The upstream that lists a resource template, by the template itself (as completion names it). */
export async function templateUpstream(s: Own, uriTemplate: string): Promise<UpstreamRow | undefined> {
  const upstream = (await resourceTemplates(s)).find((t) => t.uriTemplate === uriTemplate)?.upstream;
  return upstream ? getUpstream(s.db, upstream) : undefined;
}

/** A prompt by the name the catalog gives it, and the upstream that serves it; never a hidden one. */
export async function promptWithUpstream(s: Own, shortName: string) {
  const prompt = await catalog.findPrompt(s.db, shortName);
  if (!prompt || (await hiddenOf(s, "prompt"))(prompt.upstream, prompt.name)) return undefined;
  const upstream = await getUpstream(s.db, prompt.upstream);
  return upstream ? { prompt, upstream } : undefined;
}
