// The operator's names for the catalog's resources, resource templates and prompts, local and
// peers': renaming and hiding them, as src/node/catalog/names.ts does for tools. A change that
// would make two listed names equal is refused when it is made, naming both sides.
import type { Database } from "../../store/database.ts";
import { listPrompts, listResources, listResourceTemplates, setPromptName } from "../../store/catalog.ts";
import { NAME_PATTERN } from "../../store/catalog-names.ts";
import { federatedSettingsOf, refId, saveFederatedSetting, type EntryRef } from "../../store/federated-settings.ts";
import { keyOfItem, type ItemKind } from "../../protocol/registry/shared-items.ts";
import type { ListChangedStreams } from "./list-changed-streams.ts";
import { describeItem, listFederatedItems, type FederatedItem, type ItemNamingChange } from "./federated-items.ts";
import { NameCollisionError, NameRefusedError, type Collision } from "./names.ts";

type Port = { db: Database; nodeId: string };
type Changing = Port & { streams: Pick<ListChangedStreams, "notify"> };

/** One resource, template or prompt of the catalog as the operator sees it. */
export interface CatalogItem {
  kind: ItemKind;
  /** What clients list: the URI, the URI template, or the prompt's name here. */
  name: string;
  /** `<kind>:<origin>/<key>`, for a local item too (its origin is this node). */
  id: string;
  /** Null: this node's own upstream. */
  origin: { id: string; alias: string } | null;
  upstream: string;
  /** Its URI, URI template or name at the upstream. */
  upstreamName: string;
  hidden: boolean;
  collision?: { wanted: string; heldBy: string };
  /** Where the operator's choices on it are kept. */
  ref: EntryRef;
}

/** A URI the catalog may list a peer's resource under: a scheme, then no spaces. */
const LISTED_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]{1,2000}$/;

function ownRef(s: Port, kind: ItemKind, upstream: string, name: string): EntryRef {
  return { kind, origin: s.nodeId, ref: keyOfItem(kind, upstream, name) };
}

/** This node's own items with the operator's hiding applied, hidden ones included. */
export async function localItems(s: Port, kind?: ItemKind): Promise<CatalogItem[]> {
  const want = (k: ItemKind) => kind === undefined || kind === k;
  const settings = new Map([
    ...(want("resource") ? await federatedSettingsOf(s.db, "resource") : []),
    ...(want("resource-template") ? await federatedSettingsOf(s.db, "resource-template") : []),
    ...(want("prompt") ? await federatedSettingsOf(s.db, "prompt") : []),
  ]);
  const item = (k: ItemKind, upstream: string, original: string, name: string): CatalogItem => {
    const ref = ownRef(s, k, upstream, original);
    return { kind: k, name, id: `${k}:${s.nodeId}/${ref.ref}`, origin: null, upstream, upstreamName: original, hidden: settings.get(refId(ref))?.hidden ?? false, ref };
  };
  return [
    ...(want("resource") ? (await listResources(s.db)).map(({ resources: r }) => item("resource", r.upstream, r.uri, r.uri)) : []),
    ...(want("resource-template") ? (await listResourceTemplates(s.db)).map((t) => item("resource-template", t.upstream, t.uriTemplate, t.uriTemplate)) : []),
    ...(want("prompt") ? (await listPrompts(s.db)).map((p) => item("prompt", p.upstream, p.name, p.shortName)) : []),
  ];
}

function federatedItem(i: FederatedItem): CatalogItem {
  return {
    kind: i.kind,
    name: i.shortName,
    id: i.id,
    origin: { id: i.origin, alias: i.alias },
    upstream: i.upstream,
    upstreamName: i.original,
    hidden: i.hidden,
    ...(i.collision ? { collision: i.collision } : {}),
    ref: { kind: i.kind, origin: i.origin, ref: i.key },
  };
}

/** Every item of the catalog, local ones first, hidden ones included: the operator's view. */
export async function catalogItems(s: Port, kind?: ItemKind): Promise<CatalogItem[]> {
  const federated = (await listFederatedItems(s)).filter((i) => kind === undefined || i.kind === kind);
  return [...(await localItems(s, kind)), ...federated.map(federatedItem)];
}

/** An item of that kind by the name the catalog lists it under, local first; a peer's also by its id. */
export async function findCatalogItem(s: Port, kind: ItemKind, name: string): Promise<CatalogItem | undefined> {
  const all = await catalogItems(s, kind);
  // Two local upstreams may list the same URI: the operator then names one by its id.
  const local = all.filter((i) => i.origin === null && (i.name === name || i.id === name));
  if (local.length > 1) throw new NameRefusedError(`${name} is listed by upstreams ${local.map((i) => i.upstream).join(", ")}: name one by its id (${local.map((i) => i.id).join(", ")})`);
  return local[0] ?? all.find((i) => i.origin !== null && (i.name === name || i.id === name));
}

/** Collisions in `after` that `before` did not have. */
function caused(before: FederatedItem[], after: FederatedItem[]): Collision[] {
  const had = new Set(before.filter((i) => i.collision).map((i) => i.id));
  return after.filter((i) => i.collision && !had.has(i.id)).map((i) => ({ name: i.collision!.wanted, tool: describeItem(i), heldBy: i.collision!.heldBy }));
}

async function refuseIf(s: Port, change: ItemNamingChange): Promise<void> {
  const found = caused(await listFederatedItems(s), await listFederatedItems(s, change));
  if (found.length > 0) throw new NameCollisionError(found);
}

function checkName(item: CatalogItem, name: string): void {
  if (item.kind === "resource-template") throw new NameRefusedError(`${item.name} is a resource template: its URIs are its upstream's, so it keeps its template; hide it instead`);
  if (item.kind === "resource" && item.origin === null) throw new NameRefusedError(`${item.name} is a local resource: its upstream serves it under that URI, so it keeps it; hide it instead`);
  if (item.kind === "resource" && !LISTED_URI.test(name)) throw new NameRefusedError(`"${name}" is not a usable resource URI: a scheme, ":", then no spaces`);
  if (item.kind === "prompt" && !NAME_PATTERN.test(name)) throw new NameRefusedError(`"${name}" is not a usable prompt name: 1 to 64 letters, digits, "_" or "-"`);
}

/** What a local prompt's new name would take from another: a local prompt, or a peer's as listed now. */
async function refuseLocalPromptName(s: Port, item: CatalogItem, name: string): Promise<void> {
  const local = (await listPrompts(s.db)).find((p) => p.shortName === name);
  const holder = local
    ? `local prompt ${local.upstream}/${local.name} (${local.shortName})`
    : (await listFederatedItems(s)).filter((i) => i.kind === "prompt" && i.shortName === name).map(describeItem)[0];
  const mine = `local prompt ${item.upstream}/${item.upstreamName} (${item.name})`;
  if (holder) throw new NameCollisionError([{ name, tool: mine, heldBy: holder }]);
  // A peer's prompt that the operator named so would lose its name.
  await refuseIf(s, { localPrompts: new Map([[item.name, name]]) });
}

export interface ItemChange {
  name?: string;
  hidden?: boolean;
}

/** Renames or hides one item of the catalog, and tells the standing streams. */
export async function changeCatalogItem(s: Changing, item: CatalogItem, change: ItemChange): Promise<void> {
  const rename = change.name !== undefined && change.name !== item.name ? change.name : undefined;
  if (rename !== undefined) {
    checkName(item, rename);
    if (item.origin === null) await refuseLocalPromptName(s, item, rename);
    else await refuseIf(s, { names: new Map([[refId(item.ref), rename]]) });
  }
  if (rename === undefined && change.hidden === undefined) return;
  await saveFederatedSetting(s.db, item.ref, { ...(rename !== undefined ? { shortName: rename } : {}), ...(change.hidden !== undefined ? { hidden: change.hidden } : {}) });
  if (rename !== undefined && item.origin === null) await setPromptName(s.db, item.upstream, item.upstreamName, rename);
  s.streams.notify([item.kind === "prompt" ? "prompts" : "resources"]);
}
