// How a clearing message reaches another participant: to an active peer as every message goes, or
// sealed to the card this node holds of a node that is not its peer (docs/protocol.md §16.2).
import type { z } from "zod";
import type { ClearingRequest } from "../../protocol/clearing/messages.ts";
import { federationPath } from "../../protocol/messages/federation.ts";
import { PROTOCOL_VERSIONS } from "../../protocol/versions.ts";
import type { FederationClient } from "../federation-client/client.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import type { Database } from "../../store/database.ts";
import { originCard } from "../../store/origin-cards.ts";
import { getPeer } from "../../store/peers.ts";

export function clearingReach(s: { db: Database; federation: FederationClient }) {
  return async <T extends z.ZodType>(node: string, request: ClearingRequest, result: T): Promise<z.infer<T>> => {
    const peer = await getPeer(s.db, node);
    if (peer?.state === "active") return s.federation.call(peer, "clearing", request, result);
    if (peer) throw new PeerRequestError("not_allowed", `${node} is a ${peer.state} peer`);
    const card = await originCard(s.db, node);
    if (!card) throw new PeerRequestError("not_allowed", `this node holds no card of ${node}`);
    const version = PROTOCOL_VERSIONS[PROTOCOL_VERSIONS.length - 1]!;
    return s.federation.send({ card, version, path: federationPath(version, "clearing"), payload: request, result });
  };
}
