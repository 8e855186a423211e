// Peers' shared resources, resource templates and prompts as this node's MCP clients list them.
// A resource keeps its origin's URI (a URI already means the same everywhere) unless a local
// resource or an earlier origin holds it; a prompt is named like a peer's tool, after the
// origin's alias. Each item has a stable id, `<kind>:<origin>/<key>`, that names it whatever it is listed as.
import { listPeers } from "../../store/peers.ts";
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
}

type LiveItem = Extract<SignedEntry, { kind: ItemKind; tombstone: false }>;

/** A URI that another resource holds here, rewritten under the origin's alias so that both stay readable. */
function aliasedUri(alias: string, uri: string): string {
  return `mcpfed://${preferredName("", alias)}/${uri}`;
}

/**
 * The live shared items of peers, named. `taken` holds the local resources' URIs and prompts'
 * names: a local item keeps its name, and a peer's that clashes gets another, the same each time.
 */
export async function listFederatedItems(s: { db: Database; nodeId: string }, taken: { uris: ReadonlySet<string>; prompts: ReadonlySet<string> }): Promise<FederatedItem[]> {
  const peers = new Map((await listPeers(s.db)).map((p) => [p.nodeId, p]));
  const entries = (await liveItemEntries(s.db, s.nodeId))
    .map((r) => JSON.parse(r.entry) as LiveItem)
    .filter((e) => peers.get(e.origin)?.state !== "blocked")
    .map((e) => ({ e, id: `${e.kind}:${e.origin}/${e.key}` }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const uris = new Set(taken.uris);
  const names = new Set(taken.prompts);
  const out: FederatedItem[] = [];
  for (const { e, id } of entries) {
    const alias = aliasOf(e.origin, peers.get(e.origin));
    const { upstream, name: original } = itemOfKey(e.kind, e.key);
    let shortName = original;
    if (e.kind === "resource") {
      if (uris.has(shortName)) shortName = aliasedUri(alias, original);
      uris.add(shortName);
    } else if (e.kind === "prompt") {
      const listed = (e.body as { listedName?: string }).listedName;
      shortName = await assignName(id, preferredName(alias, listed ?? `${upstream}_${original}`), (n) => names.has(n));
      names.add(shortName);
    }
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
    });
  }
  return out;
}

/** The peer's item a resources/read URI names: a listed resource, else the first template it matches. */
export function federatedResourceFor(items: readonly FederatedItem[], uri: string): FederatedItem | undefined {
  return (
    items.find((i) => i.kind === "resource" && i.shortName === uri) ??
    items.find((i) => i.kind === "resource-template" && templateMatches(i.original, uri))
  );
}
