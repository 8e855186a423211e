// Who may send this node a clearing message (docs/protocol.md §16.2): an active peer, as for every
// federation message, or a node whose card this node already holds (an origin card gossip brought,
// bounded as those are): a round's participants are not all each other's peers. Blocked, pending
// and quarantined nodes are refused, and a node whose card is not held is unknown.
import { EnvelopeError } from "../../protocol/envelope/errors.ts";
import type { Sender } from "../../protocol/envelope/open.ts";
import type { Header } from "../../protocol/envelope/wire.ts";
import { signingKey } from "../../protocol/identity/imported.ts";
import { PROTOCOL_VERSIONS } from "../../protocol/versions.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Quarantine } from "../trust/quarantine.ts";
import type { Database } from "../../store/database.ts";
import { originCard } from "../../store/origin-cards.ts";
import { getPeer } from "../../store/peers.ts";
import { activeSender } from "../peers/senders.ts";

export function clearingSender(s: { db: Database; identity: () => Promise<LocalIdentity>; quarantine: Pick<Quarantine, "has"> }) {
  const peers = activeSender(s);
  return async (header: Header): Promise<Sender> => {
    if (await getPeer(s.db, header.from)) return peers(header);
    if (await s.quarantine.has(header.from)) throw new EnvelopeError("blocked_sender", `${header.from} is held in quarantine by this node`);
    const card = await originCard(s.db, header.from);
    if (!card) throw new EnvelopeError("unknown_sender", `${header.from} is neither a peer of this node nor a node whose card it holds`);
    if (!(PROTOCOL_VERSIONS as readonly string[]).includes(header.v)) throw new EnvelopeError("unsupported_version", `this node does not speak ${header.v}`);
    const identity = await s.identity();
    return { verifier: await signingKey(identity.primitives, card.keys.sig.pub), version: header.v };
  };
}
