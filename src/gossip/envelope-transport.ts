// Gossip over the federation: each request is sealed to the peer's stored card and POSTed to
// its exchange or reconcile route (src/peers/calls.ts refreshes a stale card on the way).
import { PeerRequestError } from "../federation/client.ts";
import { callPeer } from "../peers/calls.ts";
import { getPeer } from "../peers/store.ts";
import type { Services } from "../services.ts";
import { exchangeReply, reconcileReply } from "./messages.ts";
import type { GossipTransport } from "./transport.ts";

export function envelopeTransport(services: () => Services): GossipTransport {
  const active = async (id: string) => {
    const peer = await getPeer(services().db, id);
    if (peer?.state !== "active") throw new PeerRequestError("not_allowed", `${id} is not an active peer`);
    return peer;
  };
  return {
    exchange: async (id, request) => callPeer(services(), await active(id), "exchange", request, exchangeReply),
    reconcile: async (id, request) => callPeer(services(), await active(id), "reconcile", request, reconcileReply),
  };
}
