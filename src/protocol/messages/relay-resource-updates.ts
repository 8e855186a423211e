// Subscriptions to a peer's shared resource (docs/protocol.md, "Resource subscriptions across the
// hop"): the consumer takes a lease on the resource at its origin and renews it while its clients
// stay subscribed; the origin tells the consumer of each update while the lease runs.
import { z } from "zod";
import { itemKey } from "../registry/shared-items.ts";
import { callError } from "./relay.ts";

/** The longest lease a subscribe may ask for; the consumer renews well before its end. */
export const MAX_LEASE_SECONDS = 600;
const uri = z.string().min(1).max(2048);

export const resourceSubscribeRequest = z.strictObject({
  type: z.literal("resource-subscribe"),
  key: itemKey.resource,
  /** The resource's URI at its origin's upstream: the one its shared entry names. */
  uri,
  leaseSeconds: z.number().int().min(1).max(MAX_LEASE_SECONDS),
  /** The principal at the consumer that subscribed first: for the provider's policy and audit. */
  relayedFor: z.string().max(256).optional(),
});
export type ResourceSubscribeRequest = z.infer<typeof resourceSubscribeRequest>;

export const resourceSubscribeReply = z.union([
  /** The lease runs until then (milliseconds since the epoch). */
  z.strictObject({ ok: z.literal(true), until: z.number().int().min(0) }),
  z.strictObject({ ok: z.literal(false), error: callError }),
]);
export type ResourceSubscribeReply = z.infer<typeof resourceSubscribeReply>;

export const resourceUnsubscribeRequest = z.strictObject({ type: z.literal("resource-unsubscribe"), key: itemKey.resource });
export type ResourceUnsubscribeRequest = z.infer<typeof resourceUnsubscribeRequest>;
/** Also when there was no lease to end: unsubscribing twice is no error. */
export const resourceUnsubscribeReply = z.strictObject({ ok: z.literal(true), ended: z.boolean() });
export type ResourceUnsubscribeReply = z.infer<typeof resourceUnsubscribeReply>;

/** The origin to the consumer: the resource of `key` changed. */
export const resourceUpdatedRequest = z.strictObject({ type: z.literal("resource-updated"), key: itemKey.resource, uri });
export type ResourceUpdatedRequest = z.infer<typeof resourceUpdatedRequest>;
export const resourceUpdatedReply = z.union([
  z.strictObject({ ok: z.literal(true) }),
  /** The consumer holds no subscription to that resource at the sender: nothing was told. */
  z.strictObject({ ok: z.literal(false), error: z.strictObject({ code: z.literal("not_subscribed"), message: z.string().max(2000) }) }),
]);
export type ResourceUpdatedReply = z.infer<typeof resourceUpdatedReply>;
