// The peers this node knows, as the operator and the federation routes read and change them.
import type { Database } from "../../store/database.ts";
import { getPeer, listPeers, removePeer, setAlias, setState, touchPeer, type Peer, type PeerState } from "../../store/peers.ts";

export type { Peer, PeerState };

type Port = { db: Database };

export const findPeer = (s: Port, id: string): Promise<Peer | undefined> => getPeer(s.db, id);
export const allPeers = (s: Port): Promise<Peer[]> => listPeers(s.db);
export const setPeerState = (s: Port, id: string, state: PeerState): Promise<Peer | undefined> => setState(s.db, id, state);
export const setPeerAlias = (s: Port, id: string, alias: string | null): Promise<Peer | undefined> => setAlias(s.db, id, alias);
export const forgetPeer = (s: Port, id: string): Promise<boolean> => removePeer(s.db, id);
/** An envelope from the peer opened: it was seen now. */
export const peerSeen = (s: Port, id: string): Promise<void> => touchPeer(s.db, id);
