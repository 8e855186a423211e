// Gossip over the federation: each request is sealed to the peer's stored card and POSTed to
// its exchange or reconcile route (src/node/federation-client/calls.ts refreshes a stale card on the way).
import { activePeer, callPeer } from "../federation-client/calls.ts";
import type { Services } from "../services.ts";
import { exchangeReply, reconcileReply } from "../../protocol/messages/gossip.ts";
import type { GossipTransport } from "./transport.ts";

export function envelopeTransport(services: () => Services): GossipTransport {
  const active = (id: string) => activePeer(services(), id);
  return {
    exchange: async (id, request) => callPeer(services(), await active(id), "exchange", request, exchangeReply),
    reconcile: async (id, request) => callPeer(services(), await active(id), "reconcile", request, reconcileReply),
  };
}
