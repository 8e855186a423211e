// A peer message (not a call) for an origin that is not a peer of this node, through a forwarder
// (docs/protocol.md §12.5, §15.3): sealed to the origin's card as a forwarded call is, carried in a
// `forward` message, answered by the origin in one frame sealed to this node's envelope. The
// forwarder can neither read nor alter the message or the answer. A forwarder's refusal gives way
// to the next forwarder; the origin's refusal of the envelope ends the attempt. A token sale is
// not tried again after an answer was lost on the way: the origin may have made it, and it would
// refuse the same intent a second time, so the buyer would pay once and hold nothing.
import { toBase64url } from "../../../protocol/encoding/bytes.ts";
import type { FORWARDED_MESSAGES, ForwardedRequest, ForwardRequest } from "../../../protocol/routes/forward.ts";
import { PeerRequestError, SealedRefusal } from "../../federation-client/errors.ts";
import { knownCard } from "../../peers/origin-cards.ts";
import { carriedCard, FORWARDER_REFUSALS, forwardersTo, NoForwardedRoute, reachedDirectly, sealToOrigin, type ForwardedPort } from "./consumer.ts";

/** Sends `payload` as `message` to `origin` through the first forwarder that carries it; returns the origin's answer, parsed JSON (undefined if it is not JSON). */
export async function forwardSealed(s: ForwardedPort, origin: string, message: Exclude<(typeof FORWARDED_MESSAGES)[number], "call">, payload: unknown, signal: AbortSignal): Promise<unknown> {
  const card = await knownCard(s, origin);
  if (!card) throw new NoForwardedRoute("this node holds no card of it to seal a message to");
  // An origin the index found takes it straight (§20.8), as the call went.
  if (await reachedDirectly(s, origin)) {
    const sealed = await sealToOrigin(s, card, message, payload);
    const own = await carriedCard(s, origin);
    const request: ForwardedRequest = { type: "forwarded", envelope: toBase64url(sealed.bytes), ...(own ? { card: own } : {}) };
    try {
      return parsed(await s.federation.directMessage(card, sealed.header.v, request, (frame) => sealed.openResponse(frame), signal));
    } catch (err) {
      if (!(err instanceof PeerRequestError)) throw err;
      if (err instanceof SealedRefusal && !FORWARDER_REFUSALS.has(err.code)) throw new SealedRefusal(err.code, `refused by ${origin}: ${err.message} (${err.code})`, false);
      // Only a sale that may have reached the origin stops here; one never delivered goes on to the forwarders.
      if (message === "token-sale" && !(err instanceof SealedRefusal) && err.delivered !== false) throw new PeerRequestError(err.code, `the ${message} message may have reached ${origin}, its answer did not come back: ${err.message}`, false);
    }
  }
  const forwarders = await forwardersTo(s, origin);
  if (forwarders.length === 0) throw new NoForwardedRoute("no active peer of this node offers to forward (route-forward)");
  const own = await carriedCard(s, origin);
  const failures: string[] = [];
  for (const via of forwarders) {
    // Each forwarder gets an envelope of its own: one that reached the origin through another would be a replay.
    const sealed = await sealToOrigin(s, card, message, payload);
    const request: ForwardRequest = { type: "forward", to: card.id, envelope: toBase64url(sealed.bytes), ...(own ? { card: own } : {}) };
    try {
      return parsed(await s.federation.forwardMessage(via, request, (frame) => sealed.openResponse(frame), signal));
    } catch (err) {
      if (!(err instanceof PeerRequestError)) throw err;
      // The origin refused: another forwarder would carry the same refusal.
      if (err instanceof SealedRefusal && !FORWARDER_REFUSALS.has(err.code)) throw new SealedRefusal(err.code, `refused by ${origin} through ${via.name}: ${err.message} (${err.code})`, false);
      // Only a sale that may have reached the origin stops here; one never delivered goes on to the forwarders.
      if (message === "token-sale" && !(err instanceof SealedRefusal) && err.delivered !== false) throw new PeerRequestError(err.code, `the ${message} message through ${via.name} may have reached ${origin}, its answer did not come back: ${err.message}`, false);
      failures.push(`through ${via.name}: ${err.message}`);
    }
  }
  throw new PeerRequestError("unreachable", `no forwarder carried the ${message} message (${failures.join("; ")})`, false);
}

function parsed(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
