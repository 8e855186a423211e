// Countersignatures for an origin that is not a peer (docs/protocol.md §12.5). A countersigns C's
// receipt after a forwarded call as after a direct one; C is not A's peer, so A seals the
// `countersigned` message (§6.7) to C as it sealed the call, and a forwarder passes it on. C
// answers with the ids it decided on, sealed to A's envelope. C's refusal ends the attempt, and
// the outbox keeps the records for the next call or the tick.
import { countersignedAck, type countersignedPush } from "../../../protocol/messages/relay.ts";
import type { z } from "zod";
import { PeerRequestError } from "../../federation-client/errors.ts";
import type { ForwardedPort } from "./consumer.ts";
import { forwardSealed } from "./sealed-message.ts";

/** Delivers `push` to `origin` through the first forwarder that carries it; returns the ids the origin acknowledged. */
export async function forwardCountersigned(s: ForwardedPort, origin: string, push: z.infer<typeof countersignedPush>, signal: AbortSignal): Promise<string[]> {
  const ack = countersignedAck.safeParse(await forwardSealed(s, origin, "countersigned", push, signal));
  // A record received twice is acknowledged twice: nothing is lost by trying another forwarder next time.
  if (!ack.success) throw new PeerRequestError("bad_answer", `${origin} answered the countersignatures with something else`, true);
  return ack.data.acked;
}
