// The operator's names for the catalog's tools, local and federated: peers' aliases, renames and
// hiding. A change that would make two listed names equal is refused when it is made, naming
// both sides, rather than settled later by shifting one of them.
import type { Database } from "../../store/database.ts";
import * as catalog from "../../store/catalog.ts";
import { NAME_PATTERN, RESERVED_NAMES } from "../../store/catalog-names.ts";
import { refId, saveFederatedSetting } from "../../store/federated-settings.ts";
import { findPeer, setPeerAlias, type Peer } from "../peers/directory.ts";
import type { CachedRead } from "../../store/cached-read.ts";
import type { ListChangedStreams } from "./list-changed-streams.ts";
import { describeTool, namedFederatedTools, type ListedFederatedTool, type NamingChange } from "./federated-view.ts";

type Port = { db: Database; nodeId: string };
type Changing = Port & { streams: Pick<ListChangedStreams, "notify">; federatedTools: Pick<CachedRead<unknown>, "invalidate"> };

export interface Collision {
  /** The name both would be listed under. */
  name: string;
  /** The entry that would lose it: a peer's tool, by alias, origin, upstream and tool. */
  tool: string;
  heldBy: string;
}

export class NameCollisionError extends Error {
  override name = "NameCollisionError";
  constructor(readonly collisions: Collision[]) {
    super(collisions.map((c) => `"${c.name}" would name both ${c.heldBy} and ${c.tool}`).join("; "));
  }
}

/** A name MCP does not allow, one the node keeps for itself, or a change a tool does not take. */
export class NameRefusedError extends Error {
  override name = "NameRefusedError";
}

export type CatalogEntry = { local: catalog.CatalogTool } | { federated: ListedFederatedTool };

/** The named tools now, to compare with after a change: see `refuseNewCollisions`. */
export const currentNames = (s: Port): Promise<ListedFederatedTool[]> => namedFederatedTools(s);

/** Collisions in `after` that `before` did not have: what a change caused. */
function caused(before: ListedFederatedTool[], after: ListedFederatedTool[]): Collision[] {
  const had = new Set(before.filter((t) => t.collision).map((t) => t.id));
  return after
    .filter((t) => t.collision && !had.has(t.id))
    .map((t) => ({ name: t.collision!.wanted, tool: describeTool(t, t.alias), heldBy: t.collision!.heldBy }));
}

/** Throws when the catalog as it is now has collisions that `before` did not. */
export async function refuseNewCollisions(s: Port, before: ListedFederatedTool[]): Promise<void> {
  const found = caused(before, await namedFederatedTools(s));
  if (found.length > 0) throw new NameCollisionError(found);
}

async function refuseIf(s: Port, change: NamingChange): Promise<void> {
  const found = caused(await namedFederatedTools(s), await namedFederatedTools(s, change));
  if (found.length > 0) throw new NameCollisionError(found);
}

function changed(s: Changing): void {
  s.federatedTools.invalidate();
  s.streams.notify(["tools"]);
}

/**
 * Sets the alias a peer's tools start with: "" lists them under the names their origin gives
 * them, null goes back to the peer's card name. Undefined for an unknown peer.
 */
export async function aliasPeer(s: Changing, id: string, alias: string | null): Promise<Peer | undefined> {
  if (!(await findPeer(s, id))) return undefined;
  await refuseIf(s, { aliases: new Map([[id, alias]]) });
  const peer = await setPeerAlias(s, id, alias);
  changed(s);
  return peer;
}

/** A tool by the name the catalog lists it under, local first; a peer's tool also by its id. */
export async function findCatalogTool(s: Port, name: string): Promise<CatalogEntry | undefined> {
  const local = await catalog.findTool(s.db, { shortName: name });
  if (local) return { local };
  const federated = (await namedFederatedTools(s)).find((t) => t.shortName === name || t.id === name);
  return federated ? { federated } : undefined;
}

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name) || RESERVED_NAMES.has(name)) throw new NameRefusedError(`"${name}" is not a usable tool name: 1 to 64 letters, digits, "_" or "-", and not search_tools or call_tool`);
}

export interface NameChange {
  shortName?: string;
  hidden?: boolean;
  pinned?: boolean;
}

/** Renames, hides or pins one tool of the catalog, and tells the standing streams. */
export async function changeCatalogTool(s: Changing, entry: CatalogEntry, change: NameChange): Promise<void> {
  if (change.shortName !== undefined) checkName(change.shortName);
  if ("local" in entry) {
    if (change.shortName !== undefined) await refuseIf(s, { local: new Map([[entry.local.globalId, change.shortName]]) });
    await catalog.updateToolSettings(s.db, entry.local.globalId, change);
    changed(s);
    return;
  }
  const t = entry.federated;
  // Version pins (`registry pin`) choose among a peer's versions; listing pins are for local tools.
  if (change.pinned !== undefined) throw new NameRefusedError(`${t.shortName} is a peer's tool: only local tools are pinned in search mode`);
  const ref = { kind: "tool" as const, origin: t.origin, ref: t.globalId.slice(t.origin.length + 1) };
  if (change.shortName !== undefined && change.shortName !== t.shortName) {
    const local = await catalog.findTool(s.db, { shortName: change.shortName });
    if (local) throw new NameCollisionError([{ name: change.shortName, tool: describeTool(t, t.alias), heldBy: `local tool ${local.upstream}/${local.name} (${local.shortName})` }]);
    await refuseIf(s, { names: new Map([[refId(ref), change.shortName]]) });
  }
  const set = { ...(change.shortName !== undefined ? { shortName: change.shortName } : {}), ...(change.hidden !== undefined ? { hidden: change.hidden } : {}) };
  if (Object.keys(set).length === 0) return;
  await saveFederatedSetting(s.db, ref, set);
  changed(s);
}
