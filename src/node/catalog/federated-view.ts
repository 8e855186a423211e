// Peers' shared tools as this node's MCP clients see them: under short names that start with
// the origin's alias (none when the operator emptied it), so a client can tell whose tool it is,
// beside the local tools, or under the name the operator gave one.
import { listPeers, type Peer } from "../../store/peers.ts";
import type { Database } from "../../store/database.ts";
import { toolNames } from "../../store/catalog-pages.ts";
import { federatedSettingsOf, refId } from "../../store/federated-settings.ts";
import { listFederatedTools, type FederatedTool } from "./federated.ts";
import { assignName, preferredName, RESERVED_NAMES } from "../../store/catalog-names.ts";
import { pinMap } from "./pins.ts";
import { allowedProviders, forwardable, reachable } from "./providers.ts";
import { originCardIds } from "../../store/origin-cards.ts";
import { FORWARD_FEATURE } from "../../protocol/routes/forward.ts";
import { listProviderGroups } from "../../store/provider-groups.ts";
import { heldCards } from "../../store/origin-cards.ts";
import { ROLE_FEATURES } from "../../protocol/routes/roles.ts";

export interface ListedFederatedTool extends FederatedTool {
  /** `<origin>/<key>`: what `_meta` "mcpfed/id" carries, and what call_tool takes. */
  id: string;
  shortName: string;
  alias: string;
  /** What policy sees: federated tools are never pinned. */
  pinned: false;
  /** The origins this node may send the tool's calls to and can reach: never empty for a listed tool. */
  providers: string[];
  /** The operator hid it: listed to the operator only. */
  hidden: boolean;
  /** The name it would take is held by another, so it is listed under a fallback until the operator names it. */
  collision?: { wanted: string; heldBy: string };
}

/**
 * The alias of an origin: the operator's, else its card's name when it is a peer, else its id's
 * first 8 characters: a card's name is the node's own choice, and only a peer's was seen by the operator.
 */
export function aliasOf(origin: string, peer: Peer | undefined): string {
  return peer?.alias ?? derivedAlias(origin, peer);
}

function derivedAlias(origin: string, peer: Peer | undefined): string {
  return preferredName("", peer?.name ?? origin.slice(0, 8));
}

/** The name the origin's own clients see: what the entry carries, else `<upstream>_<tool>`. */
function originName(t: FederatedTool): string {
  return t.listedName ?? `${t.upstream}_${t.definition.name}`;
}

/** How an error names the holder of a name. */
export function describeTool(t: { origin: string; upstream: string; definition: { name: string } }, alias: string): string {
  return `${alias === "" ? t.origin.slice(0, 8) : alias} (${t.origin}) tool ${t.upstream}/${t.definition.name}`;
}

/** Changes not made yet, to see what the listing would become (src/node/catalog/names.ts). */
export interface NamingChange {
  /** Peer id → its alias (null: derived from its card). */
  aliases?: ReadonlyMap<string, string | null>;
  /** refId → the operator's name for a federated tool (null: the derived one). */
  names?: ReadonlyMap<string, string | null>;
  /** Local global id → its short name. */
  local?: ReadonlyMap<string, string>;
}

/**
 * Every live federated tool with its name, hidden ones included. Names are computed on each
 * listing, not stored: a local tool's name wins, then names the operator gave, then derived
 * ones in id order. A derived name that is held already makes a collision: the tool is listed
 * under its origin's card name (or a suffix derived from its id) and reported, never in place of another.
 */
export async function namedFederatedTools(s: { db: Database; nodeId: string }, change: NamingChange = {}): Promise<ListedFederatedTool[]> {
  const { peers, tools } = await withProviders(s);
  const settings = await federatedSettingsOf(s.db, "tool");
  // A tool no provider in reach can serve is not listed (it could only fail), and holds no name.
  const named = tools.filter((t) => t.providers.length > 0).map((t) => {
    const key = refId({ kind: "tool", origin: t.origin, ref: t.globalId.slice(t.origin.length + 1) });
    const peer = peers.get(t.origin);
    const alias = change.aliases?.has(t.origin) ? (change.aliases.get(t.origin) ?? derivedAlias(t.origin, peer)) : aliasOf(t.origin, peer);
    const given = change.names?.has(key) ? change.names.get(key)! : (settings.get(key)?.shortName ?? null);
    return { t, peer, alias, given, hidden: settings.get(key)?.hidden ?? false };
  });
  // Nothing to name: the local catalog (every tool's name, 10,000s of rows) is not read for nothing.
  if (named.length === 0) return [];
  const holders = new Map<string, string>([...RESERVED_NAMES].map((n) => [n, "this node"]));
  for (const t of await toolNames(s.db)) holders.set(change.local?.get(t.globalId) ?? t.shortName, `local tool ${t.upstream}/${t.name} (${t.shortName})`);
  const order = [...named.filter((n) => n.given !== null), ...named.filter((n) => n.given === null)];
  const out: ListedFederatedTool[] = [];
  for (const { t, peer, alias, given, hidden } of order) {
    const id = t.id;
    const wanted = given ?? preferredName(alias, originName(t));
    let shortName = wanted;
    let collision: ListedFederatedTool["collision"];
    if (holders.has(wanted)) {
      collision = { wanted, heldBy: holders.get(wanted)! };
      shortName = await assignName(id, preferredName(derivedAlias(t.origin, peer), originName(t)), (n) => holders.has(n));
    }
    holders.set(shortName, describeTool(t, alias));
    out.push({ ...t, id, shortName, alias, pinned: false, hidden, ...(collision ? { collision } : {}) });
  }
  return out.sort((a, b) => (a.globalId < b.globalId ? -1 : 1));
}

/** What the node's MCP clients list, search and call: the named tools the operator did not hide. */
export async function listedFederatedTools(s: { db: Database; nodeId: string }): Promise<ListedFederatedTool[]> {
  return (await namedFederatedTools(s)).filter((t) => !t.hidden);
}

/** A live peer's tool of that id (`<origin>/<key>`) that no provider in reach can serve, with the name it would be listed under. */
export async function unreachableFederatedTool(
  s: { db: Database; nodeId: string },
  id: string,
): Promise<Omit<ListedFederatedTool, "providers" | "hidden" | "collision"> | undefined> {
  const t = (await withProviders(s)).tools.find((x) => x.id === id && x.providers.length === 0);
  return t && { ...t, shortName: preferredName(t.alias, originName(t)), pinned: false };
}

/** Every live peer's tool, with its alias and the providers allowed for it that this node can reach, directly or through a forwarder. */
async function withProviders(s: { db: Database; nodeId: string }) {
  const [peerList, groups, pins, cards] = await Promise.all([listPeers(s.db), listProviderGroups(s.db), pinMap(s.db), originCardIds(s.db)]);
  const peers = new Map(peerList.map((p) => [p.nodeId, p]));
  const forwarded = forwardable(peerList, cards, FORWARD_FEATURE);
  const tools = await listFederatedTools(s.db, { self: s.nodeId, pins, isBlocked: (o) => peers.get(o)?.state === "blocked" });
  const privately = await privatelyReachable(s.db, peerList, tools);
  return {
    peers,
    tools: tools.map((t) => ({
      ...t,
      id: `${t.origin}/${t.key}`,
      alias: aliasOf(t.origin, peers.get(t.origin)),
      providers: allowedProviders(t, tools, groups).filter((o) => reachable(peers.get(o)) || (peers.get(o)?.state !== "blocked" && (forwarded.has(o) || privately.has(o)))),
    })),
  };
}

/**
 * The origins no active peer is that a private call reaches (docs/protocol.md §13): through a peer
 * that offers an OHTTP relay, to an origin whose card, held here, offers a gateway.
 */
async function privatelyReachable(db: Database, peerList: readonly Peer[], tools: readonly FederatedTool[]): Promise<ReadonlySet<string>> {
  if (!peerList.some((p) => reachable(p) && p.card.features.includes(ROLE_FEATURES.relay))) return new Set();
  const unpeered = [...new Set(tools.map((t) => t.origin))].filter((o) => !peerList.some((p) => p.nodeId === o));
  if (unpeered.length === 0) return new Set();
  return new Set((await heldCards(db, unpeered)).filter((c) => c.features.includes(ROLE_FEATURES.gateway)).map((c) => c.id));
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
