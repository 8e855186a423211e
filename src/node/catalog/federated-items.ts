// Peers' shared resources, resource templates and prompts as this node's MCP clients list them.
// A resource keeps its origin's URI (a URI already means the same everywhere) unless a local
// resource or an earlier origin holds it; a prompt is named like a peer's tool, after the
// origin's alias; either takes the name the operator gave it instead. Each item has a stable id,
// `<kind>:<origin>/<key>`, that names it whatever it is listed as.
import { listPeers } from "../../store/peers.ts";
import { listPrompts, listResources } from "../../store/catalog.ts";
import { federatedSettingsOf, refId, type FederatedSetting } from "../../store/federated-settings.ts";
import type { Database } from "../../store/database.ts";
import { liveItemEntries } from "../../store/shared-items.ts";
import { assignName, preferredName } from "../../store/catalog-names.ts";
import type { SignedEntry, Visibility } from "../../protocol/registry/entry.ts";
import { definitionOf, itemOfKey, type ItemDefinition, type ItemKind } from "../../protocol/registry/shared-items.ts";
import { aliasOf } from "./federated-view.ts";
import { templateMatches } from "./local.ts";

export interface FederatedItem {
  kind: ItemKind;
  /** `<kind>:<origin>/<key>`: stable across listings, whatever name or URI the item is listed under. */
  id: string;
  /** `<origin>/<key>`: what policy rules and the ledger's records name. */
  globalId: string;
  origin: string;
  alias: string;
  upstream: string;
  key: string;
  /** The URI, URI template or prompt name at the origin. */
  original: string;
  /** What clients see: the URI (or a rewritten one on a clash), the URI template, or the prompt's name here. */
  shortName: string;
  definition: ItemDefinition;
  fingerprint: string;
  pricing: unknown;
  visibility: Visibility;
  /** What policy sees, as for a peer's tool. */
  tags: string[];
  pinned: false;
  /** The operator hid it: listed to the operator only. */
  hidden: boolean;
  /** The name the operator gave it is held by another, so it is listed under the derived one until renamed. */
  collision?: { wanted: string; heldBy: string };
}

/** Names not given yet, to see what the listing would become: see src/node/catalog/item-names.ts. */
export interface ItemNamingChange {
  /** refId → the operator's name for a peer's item. */
  names?: ReadonlyMap<string, string>;
  /** A local prompt's listed name → its new one. */
  localPrompts?: ReadonlyMap<string, string>;
}

/** How an error names a peer's item. */
export function describeItem(i: { kind: ItemKind; origin: string; alias: string; upstream: string; original: string }): string {
  return `${i.alias === "" ? i.origin.slice(0, 8) : i.alias} (${i.origin}) ${i.kind} ${i.upstream}/${i.original}`;
}

/** The names this node's own resources and prompts hold, each with how an error names its holder. */
async function localHolders(s: { db: Database }, change: ItemNamingChange) {
  const [resources, prompts] = await Promise.all([listResources(s.db), listPrompts(s.db)]);
  const uris = new Map(resources.map((r) => [r.resources.uri, `local resource ${r.resources.upstream}/${r.resources.uri}`]));
  const names = new Map(
    prompts.map((p) => {
      const listed = change.localPrompts?.get(p.shortName) ?? p.shortName;
      return [listed, `local prompt ${p.upstream}/${p.name} (${listed})`];
    }),
  );
  return { uris, names };
}

type LiveItem = Extract<SignedEntry, { kind: ItemKind; tombstone: false }>;

/** A URI that another resource holds here, rewritten under the origin's alias so that both stay readable. */
function aliasedUri(alias: string, uri: string): string {
  return `mcpfed://${preferredName("", alias)}/${uri}`;
}

/**
 * The live shared items of peers, named, hidden ones included. A local item keeps its name; names
 * the operator gave come next, then derived ones in id order: a peer's item whose derived name
 * clashes gets another, the same each time, and one whose given name is held is reported.
 */
export async function listFederatedItems(s: { db: Database; nodeId: string }, change: ItemNamingChange = {}): Promise<FederatedItem[]> {
  const peers = new Map((await listPeers(s.db)).map((p) => [p.nodeId, p]));
  const settings = new Map<string, FederatedSetting>();
  for (const kind of ["resource", "resource-template", "prompt"] as const) for (const [k, v] of await federatedSettingsOf(s.db, kind)) settings.set(k, v);
  const entries = (await liveItemEntries(s.db, s.nodeId))
    .map((r) => JSON.parse(r.entry) as LiveItem)
    .filter((e) => peers.get(e.origin)?.state !== "blocked")
    .map((e) => {
      const ref = refId({ kind: e.kind, origin: e.origin, ref: e.key });
      return { e, id: `${e.kind}:${e.origin}/${e.key}`, given: change.names?.get(ref) ?? settings.get(ref)?.shortName ?? null, hidden: settings.get(ref)?.hidden ?? false };
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const { uris, names } = await localHolders(s, change);
  const out: FederatedItem[] = [];
  for (const { e, id, given, hidden } of [...entries.filter((x) => x.given !== null), ...entries.filter((x) => x.given === null)]) {
    const alias = aliasOf(e.origin, peers.get(e.origin));
    const { upstream, name: original } = itemOfKey(e.kind, e.key);
    const described = describeItem({ kind: e.kind, origin: e.origin, alias, upstream, original });
    // Templates keep the origin's: a read's URI goes to the origin as it is.
    const held = e.kind === "resource" ? uris : e.kind === "prompt" ? names : undefined;
    let shortName = original;
    let collision: FederatedItem["collision"];
    if (held && given !== null && held.has(given)) collision = { wanted: given, heldBy: held.get(given)! };
    if (held && given !== null && !collision) shortName = given;
    else if (e.kind === "resource") {
      if (uris.has(shortName)) shortName = aliasedUri(alias, original);
    } else if (e.kind === "prompt") {
      const listed = (e.body as { listedName?: string }).listedName;
      shortName = await assignName(id, preferredName(alias, listed ?? `${upstream}_${original}`), (n) => names.has(n));
    }
    held?.set(shortName, described);
    out.push({
      kind: e.kind,
      id,
      globalId: `${e.origin}/${e.key}`,
      origin: e.origin,
      alias,
      upstream,
      key: e.key,
      original,
      shortName,
      definition: definitionOf(e.body),
      fingerprint: e.body.fingerprint,
      pricing: e.body.pricing,
      visibility: e.visibility,
      tags: [],
      pinned: false,
      hidden,
      ...(collision ? { collision } : {}),
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The peer's item a resources/read URI names: a listed resource, else the first template it matches. */
export function federatedResourceFor(items: readonly FederatedItem[], uri: string): FederatedItem | undefined {
  return (
    items.find((i) => i.kind === "resource" && i.shortName === uri) ??
    items.find((i) => i.kind === "resource-template" && templateMatches(i.original, uri))
  );
}
