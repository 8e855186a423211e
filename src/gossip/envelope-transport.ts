// Gossip over the federation: each request is sealed to the peer's stored card and POSTed to
// its exchange or reconcile route (src/peers/calls.ts refreshes a stale card on the way).
import { activePeer, callPeer } from "../peers/calls.ts";
import type { Services } from "../services.ts";
import { exchangeReply, reconcileReply } from "./messages.ts";
import type { GossipTransport } from "./transport.ts";

export function envelopeTransport(services: () => Services): GossipTransport {
  const active = (id: string) => activePeer(services(), id);
  return {
    exchange: async (id, request) => callPeer(services(), await active(id), "exchange", request, exchangeReply),
    reconcile: async (id, request) => callPeer(services(), await active(id), "reconcile", request, reconcileReply),
  };
}
