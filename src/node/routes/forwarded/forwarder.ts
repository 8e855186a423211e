// The forwarder's side of the forwarded route (docs/protocol.md §12): B passes a peer's envelope,
// sealed to another of its peers, on unopened. It checks what it can without the plaintext (the
// role is offered, the sender's rate, the sender is an active peer not in quarantine, the envelope is the sender's own, signed, in its time window,
// bound to an endpoint a forwarder passes on, not seen before, addressed to an active peer) and
// hands back the destination's answer as it streams, byte for byte, within a bound. It keeps no
// copy: the only trace is the envelope id in the replay cache and a log line of sizes. A
// destination this node is a mailbox for (§20.6) gets the message through the mailbox instead.
// A forwarder with a fee (FORWARD_FEE, §12.5) takes it by a record of its own with the sender,
// signed once the destination took the envelope; it never charges for what it could not deliver.
import { federationPath } from "../../../protocol/messages/federation.ts";
import { checkForwardable, FEE_PAID_MESSAGES, ForwardError, type ForwardErrorCode, type ForwardedRequest, type ForwardRequest } from "../../../protocol/routes/forward.ts";
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
import type { PeerObservations } from "../../trust/observations.ts";
import { feePricing, feeRequestHash, feeTool } from "../../../protocol/routes/forward-fee.ts";
import type { LedgerRecord, SignedIntent } from "../../../protocol/ledger/record.ts";
import { chargesForwardFee } from "../../card/offered-features.ts";
import type { Ledger } from "../../ledger/ledger.ts";
import { identitySigner } from "../../registry/node-keys.ts";

export interface ForwarderPort {
  db: Database;
  identity: () => Promise<LocalIdentity>;
  now: () => number;
  config: Pick<Config, "clockSkewSeconds" | "maxBodyBytes" | "callTimeoutMs" | "publicUrl" | "mailboxMaxMessages" | "forwardFee" | "routesOffer">;
  ledger: Pick<Ledger, "acceptIntent" | "get" | "receipt">;
  replay: Pick<ReplayCache, "record">;
  federation: Pick<FederationClient, "passOn">;
  /** The roles offered and their limits (src/node/routes/offer.ts). */
  routes: { offer: { offers(role: RouteRole): boolean }; limits: { over(role: RouteRole, key: string): number | undefined } };
  quarantine: Pick<Quarantine, "has">;
  /** Where a refusal that is the sender's own doing counts against it (docs/security.md, "Refusals as evidence"). */
  trust: { observed: Pick<PeerObservations, "refused"> };
}

/** The destination's answer, with this node's fee record (pending) when it charges one; or a refusal. */
export type Forwarded = { stream: ReadableStream<Uint8Array>; fee?: LedgerRecord } | { refused: { code: ForwardErrorCode | "rate_limited" | (string & {}); message: string; retryAfter?: number } };

const refused = (code: ForwardErrorCode | "rate_limited", message: string, retryAfter?: number): Forwarded => ({ refused: { code, message, ...(retryAfter ? { retryAfter } : {}) } });

/** `from` is the active peer whose `forward` message this is, as its envelope or channel authenticated it. */
export async function forwardOnward(s: ForwarderPort, from: string, request: ForwardRequest, signal: AbortSignal): Promise<Forwarded> {
  if (!s.routes.offer.offers("forward")) return refused("route_not_offered", "this node does not forward calls");
  const wait = s.routes.limits.over("forward", from);
  if (wait !== undefined) {
    s.trust.observed.refused(from);
    return refused("rate_limited", `too many forwarded requests from this node; retry in ${wait} s`, wait);
  }
  const [sender, destination, identity] = await Promise.all([getPeer(s.db, from), getPeer(s.db, request.to), s.identity()]);
  if (sender?.state !== "active") return refused("forward_refused", "only an active peer's requests are forwarded");
  if (await s.quarantine.has(from)) return refused("quarantined", "this node holds the sender in quarantine");
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
    if (!(err instanceof ForwardError)) throw err;
    // The sender's authenticated message carried an envelope that fails the checks: its own doing.
    s.trust.observed.refused(from);
    return refused(err.code, err.message);
  }
  if (destination?.state !== "active") return refused("unknown_destination", `${request.to} is not an active peer of this node`);
  // A fee pays for a call; the countersignatures of its record pass free (§12.5).
  const paying = FEE_PAID_MESSAGES.some((m) => federationPath(header.v, m) === header.path);
  const fee = paying ? await acceptFee(s, from, request, identity.nodeId) : undefined;
  if (typeof fee === "string") return refused("fee_refused", fee);
  // One pass per envelope: a copy replayed through this node is not carried again at the sender's
  // expense. The insert alone tells a copy (it finds the id there), so no lookup comes first.
  if (!(await s.replay.record(from, header.jti, header.exp + s.config.clockSkewSeconds))) {
    s.trust.observed.refused(from);
    return refused("forward_refused", "this envelope was forwarded already");
  }
  const size = Math.ceil((request.envelope.length * 3) / 4);
  const forwarded: ForwardedRequest = { type: "forwarded", envelope: request.envelope, ...(request.card === undefined ? {} : { card: request.card }) };
  // A destination that binds nothing reachable gets it through this node's mailbox (§20.6).
  if (holdsFor(s, destination.card)) {
    const held = await holdForAnswer(s, request.to, forwarded, signal);
    log.info("route.forward_held", { from, to: request.to, bytes: size, ...("refused" in held ? { code: held.refused.code } : {}) });
    return "refused" in held ? held : { stream: bounded(held.stream, MAX_STREAM_BYTES), ...(await chargeFee(s, fee, request.to)) };
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
  log.info("route.forwarded", { from, to: request.to, bytes: size, ...(fee ? { fee: s.config.forwardFee!.amount, unit: s.config.forwardFee!.unit } : {}) });
  return { stream: bounded(passed.stream.body!, MAX_STREAM_BYTES), ...(await chargeFee(s, fee, request.to)) };
}

/** The sender's intent paying this node's fee, checked; undefined when this node charges none; else why it is refused. */
async function acceptFee(s: ForwarderPort, from: string, request: ForwardRequest, self: string): Promise<SignedIntent | undefined | string> {
  const fee = s.config.forwardFee;
  if (!fee || !chargesForwardFee(s.config)) return undefined;
  if (!request.fee) return `this node charges ${fee.amount} ${fee.unit} per forwarded call (its card's forwardFee); the message pays none`;
  const accepted = await s.ledger.acceptIntent(request.fee, { self, tool: await feeTool(self, fee), pricing: feePricing(fee), now: s.now() * 1000 });
  if (!accepted.ok) return `the fee's intent is refused: ${accepted.reason}${accepted.reason === "price_changed" || accepted.reason === "wrong_tool" ? ` (the fee is ${fee.amount} ${fee.unit})` : ""}`;
  if (accepted.intent.intent.consumer !== from) return "the fee's intent is signed by another node than the sender";
  if (accepted.intent.intent.request !== (await feeRequestHash(request.envelope))) return "the fee's intent pays for another envelope";
  if (await s.ledger.get(accepted.intent.intent.id)) return "the fee's intent was used already";
  return accepted.intent;
}

/** The fee's record, signed and stored pending once the destination took the envelope. */
async function chargeFee(s: ForwarderPort, intent: SignedIntent | undefined, to: string): Promise<{ fee?: LedgerRecord }> {
  if (!intent) return {};
  const signer = identitySigner(await s.identity());
  const completedAt = Math.max(Date.now(), intent.intent.requestedAt);
  return { fee: await s.ledger.receipt(signer, intent, { result: { forwardedTo: to }, durationMs: 0, completedAt }) };
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
