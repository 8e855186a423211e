// Countersignatures for an origin that is not a peer (docs/protocol.md §12.5). A countersigns C's
// receipt after a forwarded call as after a direct one; C is not A's peer, so A seals the
// `countersigned` message (§6.7) to C as it sealed the call, and a forwarder passes it on. C
// answers with the ids it decided on, sealed to A's envelope: the forwarder can neither read nor
// alter the records or the answer. A forwarder's refusal gives way to the next forwarder; C's
// refusal ends the attempt, and the outbox keeps the records for the next call or the tick.
import { toBase64url } from "../../../protocol/encoding/bytes.ts";
import { countersignedAck, type countersignedPush } from "../../../protocol/messages/relay.ts";
import type { ForwardRequest } from "../../../protocol/routes/forward.ts";
import type { z } from "zod";
import { PeerRequestError, SealedRefusal } from "../../federation-client/errors.ts";
import { knownCard } from "../../peers/origin-cards.ts";
import { carriedCard, FORWARDER_REFUSALS, forwardersTo, NoForwardedRoute, sealToOrigin, type ForwardedPort } from "./consumer.ts";

/** Delivers `push` to `origin` through the first forwarder that carries it; returns the ids the origin acknowledged. */
export async function forwardCountersigned(s: ForwardedPort, origin: string, push: z.infer<typeof countersignedPush>, signal: AbortSignal): Promise<string[]> {
  const card = await knownCard(s, origin);
  if (!card) throw new NoForwardedRoute("this node holds no card of it to seal countersignatures to");
  const forwarders = await forwardersTo(s, origin);
  if (forwarders.length === 0) throw new NoForwardedRoute("no active peer of this node offers to forward (route-forward)");
  const own = await carriedCard(s, origin);
  const failures: string[] = [];
  for (const via of forwarders) {
    // Each forwarder gets an envelope of its own: one that reached C through another would be a replay.
    const sealed = await sealToOrigin(s, card, "countersigned", push);
    const message: ForwardRequest = { type: "forward", to: card.id, envelope: toBase64url(sealed.bytes), ...(own ? { card: own } : {}) };
    try {
      const opened = await s.federation.forwardMessage(via, message, (frame) => sealed.openResponse(frame), signal);
      const ack = countersignedAck.safeParse(parsed(opened));
      if (!ack.success) throw new PeerRequestError("bad_answer", `${origin} answered the countersignatures with something else`, true);
      return ack.data.acked;
    } catch (err) {
      if (!(err instanceof PeerRequestError)) throw err;
      // C refused: another forwarder would carry the same refusal. Anything else may go another way; a record received twice is acknowledged twice.
      if (err instanceof SealedRefusal && !FORWARDER_REFUSALS.has(err.code)) throw err;
      failures.push(`through ${via.name}: ${err.message}`);
    }
  }
  throw new PeerRequestError("unreachable", `no forwarder carried the countersignatures (${failures.join("; ")})`, false);
}

function parsed(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
