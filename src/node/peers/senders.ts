// Who may send this node envelopes: active peers, known by the card stored when they peered.
import { EnvelopeError } from "../../protocol/envelope/errors.ts";
import type { Sender } from "../../protocol/envelope/open.ts";
import type { Header } from "../../protocol/envelope/wire.ts";
import { signingKey } from "../../protocol/identity/imported.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Database } from "../../store/database.ts";
import { getPeer } from "../../store/peers.ts";

/** Resolves an envelope's sender among the active peers; any other node is refused. */
export function activeSender(s: { db: Database; identity: () => Promise<LocalIdentity> }) {
  return async (header: Header): Promise<Sender> => {
    const peer = await getPeer(s.db, header.from);
    if (!peer) throw new EnvelopeError("unknown_sender", `${header.from} is not a peer of this node; it must say hello first`);
    if (peer.state === "blocked") throw new EnvelopeError("blocked_sender", `${header.from} is blocked by this node`);
    if (peer.state === "pending") throw new EnvelopeError("pending_sender", `${header.from} waits for this node's operator to approve it`);
    const identity = await s.identity();
    return { verifier: await signingKey(identity.primitives, peer.card.keys.sig.pub), version: peer.version };
  };
}

/** Whether `id` is an active peer of this node: only those are observed refusing (docs/security.md, "Refusals as evidence"). */
export function activePeer(s: { db: Database }) {
  return async (id: string): Promise<boolean> => (await getPeer(s.db, id))?.state === "active";
}
