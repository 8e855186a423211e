// Gossip over the federation: each request goes through the federation client to an active peer's
// exchange or reconcile route.
import type { FederationClient } from "../federation-client/client.ts";
import { exchangeReply, reconcileReply } from "../../protocol/messages/gossip.ts";
import type { GossipTransport } from "./transport.ts";

export function envelopeTransport(client: FederationClient): GossipTransport {
  return {
    exchange: (id, request) => client.callActive(id, "exchange", request, exchangeReply),
    reconcile: (id, request) => client.callActive(id, "reconcile", request, reconcileReply),
  };
}
