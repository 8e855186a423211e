// The peers this node knows, as the operator and the federation routes read and change them.
import type { Database } from "../../store/database.ts";
import type { PeerChannels } from "../channels/channels.ts";
import { getPeer, listPeers, removePeer, setAlias, setState, touchPeer, type Peer, type PeerState } from "../../store/peers.ts";

export type { Peer, PeerState };

type Port = { db: Database };

export const findPeer = (s: Port, id: string): Promise<Peer | undefined> => getPeer(s.db, id);
export const allPeers = (s: Port): Promise<Peer[]> => listPeers(s.db);
/** A peer no longer active (blocked, or pending again) keeps no channel. */
export async function setPeerState(s: Port & { channels: PeerChannels }, id: string, state: PeerState): Promise<Peer | undefined> {
  const peer = await setState(s.db, id, state);
  if (state !== "active") await s.channels.endPeer(id);
  return peer;
}
export const setPeerAlias = (s: Port, id: string, alias: string | null): Promise<Peer | undefined> => setAlias(s.db, id, alias);
export async function forgetPeer(s: Port & { channels: PeerChannels }, id: string): Promise<boolean> {
  const removed = await removePeer(s.db, id);
  await s.channels.endPeer(id);
  return removed;
}
/** An envelope from the peer opened: it was seen now. */
export const peerSeen = (s: Port, id: string): Promise<void> => touchPeer(s.db, id);
