// How gossip reaches a peer. Gossip only makes requests and answers them: no connection outlives
// one HTTP request, so a node can be a stateless edge function. The production transport seals
// each request in an envelope and POSTs it to the peer's federation route; the one in tests and
// the simulator calls the other node in-process.
import type { ExchangeReply, ExchangeRequest, ReconcileReply, ReconcileRequest } from "../../protocol/messages/gossip.ts";

export interface GossipTransport {
  /** POST /federation/v1/exchange on the peer. Rejects when the peer cannot be reached or refuses. */
  exchange(peer: string, request: ExchangeRequest): Promise<ExchangeReply>;
  /** POST /federation/v1/reconcile on the peer. */
  reconcile(peer: string, request: ReconcileRequest): Promise<ReconcileReply>;
}

/** The receiving side, which the federation routes call with the authenticated sender's node id. */
export interface GossipHandlers {
  onExchange(from: string, request: ExchangeRequest): Promise<ExchangeReply>;
  onReconcile(from: string, request: ReconcileRequest): Promise<ReconcileReply>;
}
