// The operator's provider groups: peers it trusts to stand in for each other, so that a call to
// one's tool may go to another that offers the same fingerprint (src/node/catalog/providers.ts).
import type { Database } from "../../store/database.ts";
import { listPeers } from "../../store/peers.ts";
import { listProviderGroups, setProviderGroup, type ProviderGroup } from "../../store/provider-groups.ts";
import { aliasOf } from "./federated-view.ts";

export { listProviderGroups, removeProviderGroup, type ProviderGroup } from "../../store/provider-groups.ts";

/** A group as the operator reads it: each member's id, and the alias its tools are listed under. */
export interface GroupView {
  name: string;
  members: { id: string; alias: string | null }[];
}

export async function groupViews(db: Database): Promise<GroupView[]> {
  const peers = new Map((await listPeers(db)).map((p) => [p.nodeId, p]));
  const view = (g: ProviderGroup): GroupView => ({ name: g.name, members: g.members.map((id) => ({ id, alias: peers.has(id) ? aliasOf(id, peers.get(id)) : null })) });
  return (await listProviderGroups(db)).map(view);
}

/**
 * Sets a group's members, each named by a peer's id or the alias its tools are listed under.
 * Names that are no peer's are refused, all of them at once, and nothing is stored.
 */
export async function setGroup(db: Database, name: string, names: readonly string[]): Promise<{ ok: true } | { ok: false; unknown: string[] }> {
  const peers = await listPeers(db);
  const members = new Set<string>();
  const unknown: string[] = [];
  for (const n of names) {
    const peer = peers.find((p) => p.nodeId === n) ?? peers.find((p) => aliasOf(p.nodeId, p) === n);
    if (peer) members.add(peer.nodeId);
    else unknown.push(n);
  }
  if (unknown.length > 0) return { ok: false, unknown };
  await setProviderGroup(db, { name, members: [...members] });
  return { ok: true };
}
