// Sharing one resource (by URI), resource template (by URI template) or prompt (by its name in
// this node's catalog) of a local upstream, as `mcpfed share` does for a tool. Per item, so that
// sharing all of an upstream loops over it.
import type { Entry } from "../../protocol/registry/entry.ts";
import {
  itemFingerprint,
  keyOfItem,
  promptDefinition,
  resourceDefinition,
  resourceTemplateDefinition,
  itemKey,
  itemOfKey,
  definitionOf,
  type ItemDefinition,
  type ItemKind,
} from "../../protocol/registry/shared-items.ts";
import type { Database } from "../../store/database.ts";
import { findPrompt, findResource, listPrompts, listResourceTemplates } from "../../store/catalog.ts";
import { prompts, resources, resourceTemplates } from "../catalog/local.ts";
import { preferredName } from "../../store/catalog-names.ts";
import { listEntries } from "../../store/registry.ts";
import type { Registry } from "./registry.ts";

type Port = { db: Database; registry: Pick<Registry, "shareItem">; gossip: { changed(): void } };

/** Why an item cannot be shared: the operator's request names nothing shareable. */
export class ShareItemError extends Error {
  override name = "ShareItemError";
  constructor(
    readonly code: "not_found" | "invalid_request",
    message: string,
  ) {
    super(message);
  }
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * The definition an entry carries, from what the upstream listed: the fields a client lists, and
 * nothing else (icons and `_meta` stay local). The provider rebuilds it to see whether the item changed.
 */
export function definitionFromListing(kind: ItemKind, body: Record<string, unknown>): ItemDefinition {
  const b = body as Record<string, never>;
  const common = { name: b.name, title: b.title, description: b.description };
  if (kind === "resource") return resourceDefinition.parse(defined({ uri: b.uri, ...common, mimeType: b.mimeType, annotations: b.annotations, size: b.size }));
  if (kind === "resource-template") return resourceTemplateDefinition.parse(defined({ uriTemplate: b.uriTemplate, ...common, mimeType: b.mimeType, annotations: b.annotations }));
  const args = (body.arguments as Record<string, unknown>[] | undefined)?.map((a) => defined({ name: a.name, title: a.title, description: a.description, required: a.required }));
  return promptDefinition.parse(defined({ ...common, arguments: args }));
}

export interface LocalItem {
  upstream: string;
  /** The URI, URI template or prompt name at the upstream. */
  name: string;
  body: Record<string, unknown>;
}

/** The local items of that kind the operator's name could mean: a resource's URI, a template, or a prompt's catalog name. */
export async function localItems(db: Database, kind: ItemKind, name: string): Promise<LocalItem[]> {
  if (kind === "resource") return (await findResource(db, name)).map((r) => ({ upstream: r.upstream, name: r.uri, body: r.body }));
  if (kind === "resource-template") return (await listResourceTemplates(db)).filter((t) => t.uriTemplate === name).map((t) => ({ upstream: t.upstream, name: t.uriTemplate, body: t.body }));
  const p = await findPrompt(db, name);
  return p ? [{ upstream: p.upstream, name: p.name, body: p.body }] : [];
}

export interface ShareItemRequest {
  kind: ItemKind;
  /** A resource's URI, a template's URI template, or a prompt's name as this node lists it. */
  name: string;
  /** Needed only when two upstreams list the same URI or template. */
  upstream?: string | undefined;
  visibility: "peers" | "public" | "private";
  pricing: unknown;
}

/** Shares (or withdraws, with visibility private) one item; tells the peers when an entry changed. */
export async function shareItem(s: Port, r: ShareItemRequest): Promise<{ key: string; stored: Entry[] }> {
  const found = (await localItems(s.db, r.kind, r.name)).filter((i) => r.upstream === undefined || i.upstream === r.upstream);
  if (found.length === 0) throw new ShareItemError("not_found", `no local ${r.kind} ${r.name}${r.upstream ? ` in upstream ${r.upstream}` : ""}`);
  if (found.length > 1) throw new ShareItemError("invalid_request", `${r.name} is offered by upstreams ${found.map((i) => i.upstream).join(", ")}: name one`);
  return publishItem(s, prepareItem(r.kind, r.name, found[0]!), r);
}

interface PreparedItem {
  kind: ItemKind;
  upstream: string;
  key: string;
  definition: ItemDefinition;
  listedName?: string | undefined;
}

/** Peers that keep this node's names list a prompt as its clients here do (a tool entry's listedName). */
function listedNameOf(kind: ItemKind, shown: string, item: LocalItem): string | undefined {
  return kind === "prompt" && shown !== preferredName(item.upstream, item.name) ? shown : undefined;
}

function prepareItem(kind: ItemKind, shown: string, item: LocalItem): PreparedItem {
  const key = keyOfItem(kind, item.upstream, item.name);
  if (!itemKey[kind].safeParse(key).success) throw new ShareItemError("invalid_request", `${shown} cannot be shared: its key ${key} is too long or its upstream name is not lowercase`);
  try {
    return { kind, upstream: item.upstream, key, definition: definitionFromListing(kind, item.body), listedName: listedNameOf(kind, shown, item) };
  } catch (err) {
    throw new ShareItemError("invalid_request", `${shown} cannot be shared: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function publishItem(s: Port, p: PreparedItem, o: { visibility: ShareItemRequest["visibility"]; pricing: unknown }) {
  const stored = await s.registry.shareItem({ kind: p.kind, upstream: p.upstream, definition: p.definition, pricing: o.pricing, visibility: o.visibility, listedName: p.listedName });
  if (stored.length > 0) s.gossip.changed();
  return { key: p.key, stored };
}

/**
 * Every resource, resource template and prompt of one upstream the operator did not hide, checked
 * before any is shared: returns the function that shares them, so a caller can check its tools
 * too before sharing anything.
 */
export async function prepareUpstreamItems(s: Port & { nodeId: string }, upstream: string, o: { visibility: ShareItemRequest["visibility"]; pricing: unknown }) {
  const mine = <T extends { upstream: string }>(rows: T[]) => rows.filter((r) => r.upstream === upstream);
  const prepared = [
    ...mine((await resources(s)).map((r) => r.resources)).map((r) => prepareItem("resource", r.uri, { upstream: r.upstream, name: r.uri, body: r.body })),
    ...mine(await resourceTemplates(s)).map((t) => prepareItem("resource-template", t.uriTemplate, { upstream: t.upstream, name: t.uriTemplate, body: t.body })),
    ...mine(await prompts(s)).map((p) => prepareItem("prompt", p.shortName, { upstream: p.upstream, name: p.name, body: p.body })),
  ];
  return async () => {
    const out: { kind: ItemKind; key: string; stored: Entry[] }[] = [];
    for (const p of prepared) out.push({ kind: p.kind, ...(await publishItem(s, p, o)) });
    return out;
  };
}

/** The fingerprint the local item has now, or undefined when its upstream no longer lists it. */
export async function currentFingerprint(db: Database, kind: ItemKind, upstream: string, name: string): Promise<string | undefined> {
  const item = (kind === "prompt" ? await promptByUpstreamName(db, upstream, name) : (await localItems(db, kind, name)).find((i) => i.upstream === upstream));
  if (!item) return undefined;
  try {
    return await itemFingerprint(definitionFromListing(kind, item.body));
  } catch {
    return undefined;
  }
}

async function promptByUpstreamName(db: Database, upstream: string, name: string): Promise<LocalItem | undefined> {
  const p = (await listPrompts(db)).find((r) => r.upstream === upstream && r.name === name);
  return p ? { upstream: p.upstream, name: p.name, body: p.body } : undefined;
}

/**
 * Shares again, unchanged but for the name, every live prompt share whose prompt is now listed
 * here under another name (a rename, a prefix change), as republishNames does for tools.
 * Returns whether any entry was published.
 */
export async function republishItemNames(s: { db: Database; nodeId: string; registry: Pick<Registry, "shareItem"> }): Promise<boolean> {
  let published = false;
  const listed = await listPrompts(s.db);
  for (const { signed: e } of await listEntries(s.db, s.nodeId)) {
    if (e.kind !== "prompt" || e.tombstone) continue;
    const { upstream, name } = itemOfKey("prompt", e.key);
    const p = listed.find((r) => r.upstream === upstream && r.name === name);
    if (!p) continue;
    const listedName = listedNameOf("prompt", p.shortName, { upstream, name, body: p.body });
    if (listedName === e.body.listedName) continue;
    const stored = await s.registry.shareItem({ kind: "prompt", upstream, definition: definitionOf(e.body), pricing: e.body.pricing, visibility: e.visibility, listedName });
    published ||= stored.length > 0;
  }
  return published;
}
