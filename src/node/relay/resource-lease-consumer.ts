// The consumer's side of a subscription to a peer's shared resource. The node's own subscriptions
// hold it like an upstream's, on a pseudo-upstream per peer: the first client to subscribe takes a
// lease at the origin, the last to leave ends it, and the tick renews every lease held (the same
// subscribe again). The origin's resources/updated arrives as a sealed message, taken only for a
// resource this node holds a subscription to at that peer.
import type { Caller } from "../access/principals/caller.ts";
import type { FederatedItem } from "../catalog/federated-items.ts";
import { listFederatedItems } from "../catalog/federated-items.ts";
import type { ResourceSubscriptions, Subscriber } from "../catalog/resource-subscriptions.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import { log } from "../logging/log.ts";
import type { FederationRefusals } from "../peers/refusals.ts";
import {
  MAX_LEASE_SECONDS,
  resourceSubscribeReply,
  resourceUnsubscribeReply,
  type ResourceSubscribeRequest,
  type ResourceUnsubscribeRequest,
  type ResourceUpdatedReply,
  type ResourceUpdatedRequest,
} from "../../protocol/messages/relay-resource-updates.ts";
import { redact } from "../../secrets/redaction.ts";
import { getPeer } from "../../store/peers.ts";
import { subscribeResource, UnknownResourceError, type SubscribePorts } from "../upstreams/subscribe-resource.ts";
import { RelayError } from "./errors.ts";
import { visiblePeerResource, type PeerItemsPort } from "./peer-items.ts";

export type LeaseConsumerPort = PeerItemsPort & { subscriptions: ResourceSubscriptions };

const PEER_UPSTREAM = "peer:";

/** What the node's subscriptions hold a peer's resources on: no upstream's name holds a colon. */
function peerUpstream(origin: string): string {
  return `${PEER_UPSTREAM}${origin}`;
}

/**
 * Subscribes `subscriber` to the peer's resource listed here as `uri`; false when this caller
 * sees no peer's resource of that URI.
 */
export async function subscribePeerResource(s: LeaseConsumerPort, caller: Caller, subscriber: Subscriber, uri: string): Promise<boolean> {
  const item = await visiblePeerResource(s, caller, uri);
  if (!item) return false;
  await s.subscriptions.add(subscriber, uri, peerUpstream(item.origin), () => leaseAtOrigin(s, caller.id, item));
  return true;
}

/** Takes (or renews) the lease; resolves to what ends it. */
async function leaseAtOrigin(s: LeaseConsumerPort, relayedFor: string, item: FederatedItem): Promise<() => Promise<void>> {
  const name = `peer ${item.alias}`;
  const peer = await getPeer(s.db, item.origin);
  if (peer?.state !== "active") throw new RelayError({ kind: "peer_unavailable", message: `${name} is not an active peer of this node; a subscription goes only to a direct peer`, peer: item.origin });
  const request: ResourceSubscribeRequest = { type: "resource-subscribe", key: item.key, uri: item.original, leaseSeconds: MAX_LEASE_SECONDS, relayedFor };
  let reply;
  try {
    reply = await s.federation.call(peer, "resource-subscribe", request, resourceSubscribeReply);
  } catch (err) {
    if (!(err instanceof PeerRequestError)) throw err;
    throw new RelayError({ kind: "peer_unavailable", message: `${name}: ${redact(err.message)}`, peer: item.origin });
  }
  if (!reply.ok) throw new RelayError({ kind: "refused", name, peer: item.origin, error: reply.error });
  return async () => {
    const end: ResourceUnsubscribeRequest = { type: "resource-unsubscribe", key: item.key };
    // Not told, the origin drops the lease when it runs out.
    await s.federation.callActive(item.origin, "resource-unsubscribe", end, resourceUnsubscribeReply).catch((err: unknown) => {
      log.warn("relay.resource_unsubscribe_failed", { peer: item.origin, error: String(err) });
    });
  };
}

/** On the tick: every lease held at a peer is taken again, long before it runs out. */
export function renewPeerLeases(s: Pick<LeaseConsumerPort, "subscriptions">): void {
  for (const upstream of s.subscriptions.upstreams()) if (upstream.startsWith(PEER_UPSTREAM)) s.subscriptions.reopened(upstream);
}

/** A peer's resources/updated: passed to this node's subscribers if it holds a subscription to that resource at that peer. */
export async function takeResourceUpdate(
  s: Pick<LeaseConsumerPort, "db" | "nodeId" | "subscriptions"> & { federationRefusals: FederationRefusals },
  from: string,
  request: ResourceUpdatedRequest,
): Promise<ResourceUpdatedReply> {
  const item = (await listFederatedItems(s)).find((i) => i.kind === "resource" && i.origin === from && i.key === request.key && i.original === request.uri);
  if (item && s.subscriptions.updated(peerUpstream(from), item.shortName)) return { ok: true };
  s.federationRefusals.count("resource_update_unheld");
  return { ok: false, error: { code: "not_subscribed", message: `this node holds no subscription to ${request.key} at the sender` } };
}

/** resources/subscribe of anything this node lists: its own upstreams' resources, then peers'. */
export async function subscribeListedResource(s: LeaseConsumerPort & SubscribePorts, caller: Caller, subscriber: Subscriber, uri: string): Promise<void> {
  try {
    await subscribeResource(s, caller, subscriber, uri);
  } catch (err) {
    if (!(err instanceof UnknownResourceError) || !(await subscribePeerResource(s, caller, subscriber, uri))) throw err;
  }
}
