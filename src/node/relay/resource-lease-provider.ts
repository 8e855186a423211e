// The origin's side of a peer's resource subscription: a lease per peer and resource, kept in the
// store, and one subscriber per peer in the node's own subscriptions, so that the upstream is
// subscribed once per URI however many peers and clients hold it. An update is sent on to the
// peer only while a lease on it runs; an expired one is dropped when an update finds it.
// A peer in quarantine takes no lease, renews none and is told of no update; a new lease counts
// against its trust tier's rate and quota like a call, and a renewal (each tick) does not.
import { ProtocolError } from "@modelcontextprotocol/server";
import { admitCall } from "../access/admission.ts";
import { upstreamFailure } from "../calls/errors.ts";
import { SubscriptionCapError, type Subscriber } from "../catalog/resource-subscriptions.ts";
import { log } from "../logging/log.ts";
import { subscribeResource, UnknownResourceError, UpstreamSubscribeError, type SubscribePorts } from "../upstreams/subscribe-resource.ts";
import type { FederationClient } from "../federation-client/client.ts";
import type { Platform } from "../settings/platform.ts";
import type { CallError } from "../../protocol/messages/relay.ts";
import {
  resourceUpdatedReply,
  type ResourceSubscribeReply,
  type ResourceSubscribeRequest,
  type ResourceUnsubscribeReply,
  type ResourceUnsubscribeRequest,
  type ResourceUpdatedRequest,
} from "../../protocol/messages/relay-resource-updates.ts";
import { endLease, holdLease, leaseRunning, runningLeases } from "../../store/resource-leases.ts";
import { callErrorOf, refusal as refuse } from "../calls/refusals.ts";
import { RESOURCE_NOT_FOUND, sharedItemNow, type ItemProviderPort } from "./item-provider.ts";
import { peerCaller } from "./provider.ts";
import { tierRefusal } from "./tier-refusal.ts";

/** Leases one peer may hold at once, and all peers together. */
export const MAX_LEASES_PER_PEER = 64;
export const MAX_LEASES = 4096;

export type LeaseProviderPort = ItemProviderPort &
  SubscribePorts & { federation: FederationClient; defer: (work: Promise<unknown>) => void; platform: Pick<Platform, "standingStreams"> };

/** The node's subscriber that stands for all of one peer's leases. */
function leaseSubscriber(s: LeaseProviderPort, peer: string): Subscriber {
  return { id: `lease:${peer}`, principal: `peer:${peer}`, deliver: (uri) => s.defer(tellPeer(s, peer, uri)) };
}

export async function serveResourceSubscribe(s: LeaseProviderPort, from: string, request: ResourceSubscribeRequest, defer: (work: Promise<unknown>) => void): Promise<ResourceSubscribeReply> {
  const failed = (error: CallError): ResourceSubscribeReply => ({ ok: false, error });
  // An isolate (Workers) holds no upstream session between requests, so no update could arrive.
  if (!s.platform.standingStreams) return failed(refuse("bad_request", "this node keeps no upstream sessions open (Workers): its resources cannot be subscribed to; read them again instead"));
  if (await s.quarantine.has(from)) return failed(refuse("quarantined", "this node holds the caller in quarantine"));
  const notShared = refuse("not_shared", `${request.uri} is not shared by this node`, RESOURCE_NOT_FOUND);
  const shared = await sharedItemNow(s, "resource", request.key, notShared);
  if ("error" in shared) return failed(shared.error);
  if (request.uri !== shared.name) return failed(notShared);
  if (!(await leaseRunning(s.db, from, request.key, Date.now()))) {
    const over = await tierRefusal(s, from, undefined);
    if (over) return failed(over);
  }
  const caller = await peerCaller(s, from, request.relayedFor, defer);
  let admitted;
  try {
    admitted = await admitCall(s, caller, { globalId: `${s.nodeId}/${request.key}`, shortName: shared.name, upstream: shared.upstream, tags: [], pinned: false, visibility: shared.visibility }, undefined);
  } catch (err) {
    if (err instanceof ProtocolError) return failed(callErrorOf(err));
    throw err;
  }
  caller.defer(admitted.release());
  const now = Date.now();
  const until = now + request.leaseSeconds * 1000;
  const held = await holdLease(s.db, { peer: from, key: request.key, uri: shared.name, until }, now, { perPeer: MAX_LEASES_PER_PEER, total: MAX_LEASES });
  if (!held) return failed(refuse("rate_limited", `at most ${MAX_LEASES_PER_PEER} resource leases per peer and ${MAX_LEASES} in all; unsubscribe first`));
  try {
    // Held already (a renewal in this process), this returns at once.
    await subscribeResource(s, caller, leaseSubscriber(s, from), shared.name);
  } catch (err) {
    await endLease(s.db, from, request.key);
    return failed(subscribeFailure(shared.upstream, err));
  }
  return { ok: true, until };
}

function subscribeFailure(upstream: string, err: unknown): CallError {
  if (err instanceof SubscriptionCapError) return refuse("rate_limited", err.message);
  if (err instanceof UnknownResourceError) return refuse("not_shared", err.message, RESOURCE_NOT_FOUND);
  if (err instanceof UpstreamSubscribeError) return callErrorOf(upstreamFailure(upstream, err.cause).error);
  if (err instanceof ProtocolError) return callErrorOf(err);
  throw err;
}

export async function serveResourceUnsubscribe(s: LeaseProviderPort, from: string, request: ResourceUnsubscribeRequest): Promise<ResourceUnsubscribeReply> {
  const uri = await endLease(s.db, from, request.key);
  if (uri !== undefined) await forgetIfUnleased(s, from, uri);
  return { ok: true, ended: uri !== undefined };
}

/** The upstream subscription is the peer's no longer once no lease of it runs on that URI. */
async function forgetIfUnleased(s: LeaseProviderPort, peer: string, uri: string): Promise<void> {
  if ((await runningLeases(s.db, peer, uri, Date.now())).length === 0) s.subscriptions.remove(`lease:${peer}`, uri);
}

/** Sends the update on under each running lease on `uri`; a peer that holds no subscription ends its lease. */
async function tellPeer(s: LeaseProviderPort, peer: string, uri: string): Promise<void> {
  try {
    // Held apart: no message goes to it; its leases run out, since it cannot renew them.
    if (await s.quarantine.has(peer)) return;
    const leases = await runningLeases(s.db, peer, uri, Date.now());
    for (const lease of leases) {
      const message: ResourceUpdatedRequest = { type: "resource-updated", key: lease.key, uri };
      const reply = await s.federation.callActive(peer, "resource-updated", message, resourceUpdatedReply);
      if (!reply.ok) await endLease(s.db, peer, lease.key);
    }
    await forgetIfUnleased(s, peer, uri);
  } catch (err) {
    log.warn("relay.resource_update_undelivered", { peer, error: String(err) });
  }
}
