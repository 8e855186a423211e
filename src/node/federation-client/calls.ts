// Calling an active peer: its stored card gives the key to seal to. A card near expiry, or a
// refusal with unknown_key (the peer rotated its encryption key), makes this node fetch the card
// again, once, and it accepts the new card only if it is the same node.
import type { z } from "zod";
import { CardFetchError, fetchCard } from "../card/fetch.ts";
import type { Card } from "../../protocol/card/schema.ts";
import { CardError, continuesCard } from "../../protocol/card/verify.ts";
import { PeerRequestError, requestPeer } from "./client.ts";
import { federationPath, pingRequest, pingResult, type MessageName } from "../../protocol/messages/federation.ts";
import type { Services } from "../services.ts";
import { getPeer, updateCard, type Peer } from "../../store/peers.ts";

/** Refetch a card this long before it expires. */
export const EARLY_SECONDS = 60;

export async function freshCard(s: Services, peer: Peer): Promise<Card> {
  const identity = await s.identity();
  let fresh;
  try {
    fresh = await fetchCard(peer.url, { primitives: identity.primitives, outbound: s.outbound, now: s.now(), skew: s.config.clockSkewSeconds });
  } catch (err) {
    if (err instanceof CardError) throw new PeerRequestError("bad_card", `${peer.url}: ${err.message} (${err.reason})`);
    if (err instanceof CardFetchError) throw new PeerRequestError("unreachable", err.message);
    throw err;
  }
  if (!continuesCard(peer.card, fresh)) throw new PeerRequestError("bad_card", `${peer.url} now serves a card that is not ${peer.nodeId}'s`);
  await updateCard(s.db, peer.nodeId, fresh.card);
  return fresh.card;
}

export async function callPeer<T extends z.ZodType>(s: Services, peer: Peer, name: Exclude<MessageName, "hello">, payload: unknown, result: T): Promise<z.infer<T>> {
  let card = peer.card.exp - EARLY_SECONDS <= s.now() ? await freshCard(s, peer) : peer.card;
  const send = () => requestPeer(s, { card, version: peer.version, path: federationPath(peer.version, name), payload, result });
  try {
    return await send();
  } catch (err) {
    if (!(err instanceof PeerRequestError) || err.code !== "unknown_key") throw err;
    card = await freshCard(s, peer);
    return send();
  }
}

/** The peer, if it is active: only an active peer is sent gossip, ledger or countersigned records. */
export async function activePeer(s: Services, id: string): Promise<Peer> {
  const peer = await getPeer(s.db, id);
  if (peer?.state !== "active") throw new PeerRequestError("not_allowed", `${id} is not an active peer`);
  return peer;
}

/** Round trip of a sealed ping, in milliseconds, and the peer's clock. */
export async function ping(s: Services, peer: Peer): Promise<{ ms: number; at: number }> {
  const started = performance.now();
  const pong = await callPeer(s, peer, "ping", { type: "ping" } satisfies z.infer<typeof pingRequest>, pingResult);
  return { ms: Math.round(performance.now() - started), at: pong.at };
}
