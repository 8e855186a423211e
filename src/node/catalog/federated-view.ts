// Peers' shared tools as this node's MCP clients see them: under short names that start with
// the origin's alias, so a client can tell whose tool it is, beside the local tools.
import { listPeers, type Peer } from "../../store/peers.ts";
import type { Database } from "../../store/database.ts";
import { listFederatedTools, type FederatedTool } from "./federated.ts";
import { assignName, preferredName } from "../../store/catalog-names.ts";
import { pinMap } from "./pins.ts";
import { allowedProviders, reachable } from "./providers.ts";
import { listProviderGroups } from "../../store/provider-groups.ts";

export interface ListedFederatedTool extends FederatedTool {
  /** `<origin>/<key>`: what `_meta` "mcpfed/id" carries, and what call_tool takes. */
  id: string;
  shortName: string;
  alias: string;
  /** What policy sees: federated tools are never pinned, and are never hidden by the operator here. */
  pinned: false;
  /** The origins this node may send the tool's calls to and can reach: never empty for a listed tool. */
  providers: string[];
}

/**
 * The alias of an origin: the operator's, else its card's name when it is a peer, else its id's
 * first 8 characters: a card's name is the node's own choice, and only a peer's was seen by the operator.
 */
export function aliasOf(origin: string, peer: Peer | undefined): string {
  return peer?.alias ?? preferredName("", peer?.name ?? origin.slice(0, 8));
}

/**
 * The live federated tools, named. Names are computed on each listing and not stored: a name a
 * local tool holds wins, and a clash falls back to a suffix derived from the id, the same each time.
 */
export async function listedFederatedTools(s: { db: Database; nodeId: string }, taken: ReadonlySet<string>): Promise<ListedFederatedTool[]> {
  const used = new Set(taken);
  const out: ListedFederatedTool[] = [];
  for (const t of await withProviders(s)) {
    // No provider in reach: listed, it could only fail.
    if (t.providers.length === 0) continue;
    const shortName = await assignName(t.id, preferredName(t.alias, `${t.upstream}_${t.definition.name}`), (n) => used.has(n));
    used.add(shortName);
    out.push({ ...t, shortName, pinned: false });
  }
  return out;
}

/** A live peer's tool of that id (`<origin>/<key>`) that no provider in reach can serve, with the name it would be listed under. */
export async function unreachableFederatedTool(s: { db: Database; nodeId: string }, id: string): Promise<Omit<ListedFederatedTool, "providers"> | undefined> {
  const t = (await withProviders(s)).find((x) => x.id === id && x.providers.length === 0);
  return t && { ...t, shortName: preferredName(t.alias, `${t.upstream}_${t.definition.name}`), pinned: false };
}

/** Every live peer's tool, with its alias and the providers allowed for it that this node can reach. */
async function withProviders(s: { db: Database; nodeId: string }) {
  const [peerList, groups, pins] = await Promise.all([listPeers(s.db), listProviderGroups(s.db), pinMap(s.db)]);
  const peers = new Map(peerList.map((p) => [p.nodeId, p]));
  const tools = await listFederatedTools(s.db, { self: s.nodeId, pins, isBlocked: (o) => peers.get(o)?.state === "blocked" });
  return tools.map((t) => ({
    ...t,
    id: `${t.origin}/${t.key}`,
    alias: aliasOf(t.origin, peers.get(t.origin)),
    providers: allowedProviders(t, tools, groups).filter((o) => reachable(peers.get(o))),
  }));
}

/** A plain term match over name, title, description and tags, for search_tools: peers' tools are not in the local FTS index. */
export function matchFederated(tools: ListedFederatedTool[], query: string): { tool: ListedFederatedTool; score: number }[] {
  const terms = (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((t) => t.length > 1);
  const hits: { tool: ListedFederatedTool; score: number }[] = [];
  for (const tool of tools) {
    // The same column weights as the local ranking: name, title, description, tags.
    const fields: [string, number][] = [
      [`${tool.shortName} ${tool.definition.name}`, 10],
      [tool.definition.title ?? "", 5],
      [tool.definition.description ?? "", 1],
      [tool.tags.join(" "), 3],
    ];
    let score = 0;
    for (const term of terms) for (const [text, weight] of fields) if (text.toLowerCase().includes(term)) score += weight;
    if (score > 0) hits.push({ tool, score });
  }
  // Each origin's best match comes before any origin's second: an origin that shares many tools
  // stuffed with common words takes its turn, and cannot push another's out of the results.
  hits.sort((a, b) => b.score - a.score);
  const turn = new Map<string, number>();
  const turns = hits.map((h) => {
    const n = turn.get(h.tool.origin) ?? 0;
    turn.set(h.tool.origin, n + 1);
    return n;
  });
  return hits.map((h, i) => ({ h, t: turns[i]! })).sort((a, b) => a.t - b.t || b.h.score - a.h.score).map(({ h }) => h);
}
