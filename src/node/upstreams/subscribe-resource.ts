// Subscribing a client to a resource this node lists: the URI must be one of the catalog's
// resources (not merely match a template), served by a shared upstream session, on which the node
// holds one upstream subscription per URI for all its subscribers.
import type { Database } from "../../store/database.ts";
import { findResource } from "../../store/catalog.ts";
import { getUpstream } from "../../store/upstreams.ts";
import { openTarget } from "../../store/sealed-fields.ts";
import type { SecretBox } from "../../secrets/sealed-box.ts";
import type { Client } from "@modelcontextprotocol/client";
import type { UpstreamPool } from "./pool.ts";
import type { Config } from "../settings/config.ts";
import type { ResourceSubscriptions, Subscriber } from "../catalog/resource-subscriptions.ts";
import type { ListChangedStreams } from "../catalog/list-changed-streams.ts";

/** The URI is not among the resources this node lists. */
export class UnknownResourceError extends Error {
  override name = "UnknownResourceError";
  constructor(readonly uri: string) {
    super(`Resource not found: ${uri}`);
  }
}

/** The resource exists but its updates cannot be followed through this node. */
export class SubscriptionUnsupportedError extends Error {
  override name = "SubscriptionUnsupportedError";
}

/** The upstream refused or failed the subscription; `cause` is what it answered. */
export class UpstreamSubscribeError extends Error {
  override name = "UpstreamSubscribeError";
  constructor(
    readonly upstream: string,
    override readonly cause: unknown,
  ) {
    super(`upstream "${upstream}" did not take the subscription`);
  }
}

export interface SubscribePorts {
  db: Database;
  secrets: SecretBox;
  pool: UpstreamPool;
  config: Pick<Config, "callTimeoutMs">;
  subscriptions: ResourceSubscriptions;
}

/** Whether the node lists `uri` (the check made before anything about it is stored). */
export async function listedResourceUpstream(s: Pick<SubscribePorts, "db">, uri: string) {
  const row = (await findResource(s.db, uri))[0];
  return row ? getUpstream(s.db, row.upstream) : undefined;
}

/**
 * Asks the upstream for `uri`'s updates in its era: resources/subscribe (2025-11-25) or a listen
 * stream of its own (2026-07-28). An upstream that offers no subscriptions sends no updates: the
 * client's subscription is still held (and answered), with nothing to relay.
 */
async function followUpdates(c: Client, uri: string, unsubscribe: () => Promise<unknown>, opts: { timeout: number }): Promise<() => Promise<void>> {
  if (!c.getServerCapabilities()?.resources?.subscribe) return async () => {};
  if (c.getProtocolEra() === "modern") {
    const listening = await c.listen({ resourceSubscriptions: [uri] }, opts);
    return () => listening.close();
  }
  await c.subscribeResource({ uri }, opts);
  return async () => void (await unsubscribe());
}

export async function subscribeResource(s: SubscribePorts, subscriber: Subscriber, uri: string): Promise<void> {
  const upstream = await listedResourceUpstream(s, uri);
  if (!upstream) throw new UnknownResourceError(uri);
  // A per-principal upstream's updates arrive on one principal's session: not relayed yet.
  if (upstream.perPrincipal) throw new SubscriptionUnsupportedError(`upstream "${upstream.name}" is reached with each caller's own credential; its resources cannot be subscribed to through this node`);
  const target = await openTarget(s.secrets, upstream);
  const opts = { timeout: s.config.callTimeoutMs };
  await s.subscriptions.add(subscriber, uri, upstream.name, async () => {
    try {
      return await s.pool.use(target, (c) => followUpdates(c, uri, () => s.pool.use(target, (again) => again.unsubscribeResource({ uri }, opts)), opts));
    } catch (err) {
      throw new UpstreamSubscribeError(upstream.name, err);
    }
  });
}

/** A principal's 2025-11-25 subscriptions are one subscriber, delivered on its GET /mcp streams. */
export function legacySubscriber(principal: string): string {
  return `streams:${principal}`;
}

export function streamSubscriber(streams: ListChangedStreams, principal: string): Subscriber {
  return {
    id: legacySubscriber(principal),
    principal,
    deliver: (uri) => streams.sendTo(principal, "notifications/resources/updated", { uri }),
  };
}
