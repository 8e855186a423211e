// The forwarder's side of the forwarded route (docs/protocol.md §12): B passes a peer's envelope,
// sealed to another of its peers, on unopened. It checks what it can without the plaintext (the
// role is offered, the sender's rate, the sender is an active peer not in quarantine, the envelope is the sender's own, signed, in its time window,
// bound to an endpoint a forwarder passes on, not seen before, addressed to an active peer) and
// hands back the destination's answer as it streams, byte for byte, within a bound. It keeps no
// copy: the only trace is the envelope id in the replay cache and a log line of sizes. A
// destination this node is a mailbox for (§20.6) gets the message through the mailbox instead.
import { checkForwardable, ForwardError, type ForwardErrorCode, type ForwardedRequest, type ForwardRequest } from "../../../protocol/routes/forward.ts";
import { holdForAnswer, holdsFor } from "../../mailbox/holder.ts";
import { signingKey } from "../../../protocol/identity/imported.ts";
import { MAX_STREAM_BYTES } from "../../../protocol/messages/relay-frames.ts";
import type { FederationClient } from "../../federation-client/client.ts";
import { PeerRequestError } from "../../federation-client/errors.ts";
import type { LocalIdentity } from "../../identity/local.ts";
import { log } from "../../logging/log.ts";
import type { Config } from "../../settings/config.ts";
import type { Database } from "../../../store/database.ts";
import { getPeer } from "../../../store/peers.ts";
import type { ReplayCache } from "../../../store/replay-cache.ts";
import type { RouteRole } from "../../../protocol/routes/roles.ts";
import type { Quarantine } from "../../trust/quarantine.ts";

export interface ForwarderPort {
  db: Database;
  identity: () => Promise<LocalIdentity>;
  now: () => number;
  config: Pick<Config, "clockSkewSeconds" | "maxBodyBytes" | "callTimeoutMs" | "publicUrl" | "mailboxMaxMessages">;
  replay: Pick<ReplayCache, "seen" | "record">;
  federation: Pick<FederationClient, "passOn">;
  /** The roles offered and their limits (src/node/routes/offer.ts). */
  routes: { offer: { offers(role: RouteRole): boolean }; limits: { over(role: RouteRole, key: string): number | undefined } };
  quarantine: Pick<Quarantine, "has">;
}

export type Forwarded = { stream: ReadableStream<Uint8Array> } | { refused: { code: ForwardErrorCode | "rate_limited" | (string & {}); message: string; retryAfter?: number } };

const refused = (code: ForwardErrorCode | "rate_limited", message: string, retryAfter?: number): Forwarded => ({ refused: { code, message, ...(retryAfter ? { retryAfter } : {}) } });

/** `from` is the active peer whose `forward` message this is, as its envelope or channel authenticated it. */
export async function forwardOnward(s: ForwarderPort, from: string, request: ForwardRequest, signal: AbortSignal): Promise<Forwarded> {
  if (!s.routes.offer.offers("forward")) return refused("route_not_offered", "this node does not forward calls");
  const wait = s.routes.limits.over("forward", from);
  if (wait !== undefined) return refused("rate_limited", `too many forwarded requests from this node; retry in ${wait} s`, wait);
  const [sender, destination, identity] = await Promise.all([getPeer(s.db, from), getPeer(s.db, request.to), s.identity()]);
  if (sender?.state !== "active") return refused("forward_refused", "only an active peer's requests are forwarded");
  if (await s.quarantine.has(from)) return refused("forward_refused", "this node holds the sender in quarantine");
  let header;
  try {
    header = await checkForwardable(request.envelope, {
      from,
      to: request.to,
      verifier: await signingKey(identity.primitives, sender.card.keys.sig.pub),
      now: s.now(),
      skew: s.config.clockSkewSeconds,
      maxBytes: s.config.maxBodyBytes,
    });
  } catch (err) {
    if (err instanceof ForwardError) return refused(err.code, err.message);
    throw err;
  }
  if (destination?.state !== "active") return refused("unknown_destination", `${request.to} is not an active peer of this node`);
  // One pass per envelope: a copy replayed through this node is not carried again at the sender's expense.
  if ((await s.replay.seen(from, header.jti)) || !(await s.replay.record(from, header.jti, header.exp + s.config.clockSkewSeconds))) {
    return refused("forward_refused", "this envelope was forwarded already");
  }
  const size = Math.ceil((request.envelope.length * 3) / 4);
  const forwarded: ForwardedRequest = { type: "forwarded", envelope: request.envelope, ...(request.card === undefined ? {} : { card: request.card }) };
  // A destination that binds nothing reachable gets it through this node's mailbox (§20.6).
  if (holdsFor(s, destination.card)) {
    const held = await holdForAnswer(s, request.to, forwarded, signal);
    log.info("route.forward_held", { from, to: request.to, bytes: size, ...("refused" in held ? { code: held.refused.code } : {}) });
    return "refused" in held ? held : { stream: bounded(held.stream, MAX_STREAM_BYTES) };
  }
  let passed;
  try {
    passed = await s.federation.passOn(destination, forwarded, AbortSignal.any([signal, AbortSignal.timeout(s.config.callTimeoutMs * 10)]));
  } catch (err) {
    if (!(err instanceof PeerRequestError)) throw err;
    log.info("route.forward_undelivered", { from, to: request.to, bytes: size, code: err.code });
    return refused("destination_unreachable", `${request.to} could not be reached: ${err.code}`);
  }
  if ("refused" in passed) {
    log.info("route.forward_refused", { from, to: request.to, bytes: size, code: passed.refused.code });
    return { refused: passed.refused };
  }
  log.info("route.forwarded", { from, to: request.to, bytes: size });
  return { stream: bounded(passed.stream.body!, MAX_STREAM_BYTES) };
}

/** The bytes as they come, up to `max`: beyond it the stream errors, and the destination's connection is dropped. */
function bounded(body: ReadableStream<Uint8Array>, max: number): ReadableStream<Uint8Array> {
  let total = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.length;
        if (total > max) controller.error(new Error(`the forwarded answer exceeds ${max} bytes`));
        else controller.enqueue(chunk);
      },
    }),
  );
}
