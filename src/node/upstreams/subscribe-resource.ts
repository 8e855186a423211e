// Subscribing a client to a resource this node lists: the URI must be one of the catalog's
// resources (not merely match a template). The node holds one upstream subscription per URI and
// session for all its subscribers: on the upstream's shared session, or for a per-principal
// upstream on the caller's own (reached with the caller's own credential, as its calls are).
import type { Database } from "../../store/database.ts";
import { getUpstream } from "../../store/upstreams.ts";
import type { Client } from "@modelcontextprotocol/client";
import type { UpstreamPool } from "./pool.ts";
import type { Config } from "../settings/config.ts";
import type { ResourceSubscriptions, Subscriber } from "../catalog/resource-subscriptions.ts";
import type { ListChangedStreams } from "../catalog/list-changed-streams.ts";
import { resources } from "../catalog/local.ts";
import type { Caller } from "../access/principals/caller.ts";
import { reachFor, type ReachPorts } from "./per-principal.ts";

/** The URI is not among the resources this node lists. */
export class UnknownResourceError extends Error {
  override name = "UnknownResourceError";
  constructor(readonly uri: string) {
    super(`Resource not found: ${uri}`);
  }
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

export interface SubscribePorts extends ReachPorts {
  db: Database;
  nodeId: string;
  pool: UpstreamPool;
  config: ReachPorts["config"] & Pick<Config, "callTimeoutMs">;
  subscriptions: ResourceSubscriptions;
}

/** Whether the node lists `uri` (the check made before anything about it is stored). */
export async function listedResourceUpstream(s: Pick<SubscribePorts, "db" | "nodeId">, uri: string) {
  // Only the resource itself: an instance of a template is readable but not listed.
  const row = (await resources(s)).find((r) => r.resources.uri === uri);
  return row ? getUpstream(s.db, row.resources.upstream) : undefined;
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

/**
 * Subscribes `subscriber` (the caller's) to `uri`. A caller without its own credential for a
 * per-principal upstream is told where to connect one, as for a call.
 */
export async function subscribeResource(s: SubscribePorts, caller: Caller, subscriber: Subscriber, uri: string): Promise<void> {
  const upstream = await listedResourceUpstream(s, uri);
  if (!upstream) throw new UnknownResourceError(uri);
  const { owner } = await reachFor(s, caller, upstream);
  const opts = { timeout: s.config.callTimeoutMs };
  await s.subscriptions.add(
    subscriber,
    uri,
    upstream.name,
    // Reached afresh each time: a subscription made again on a reopened session uses the credential held then.
    async () => {
      try {
        const { target } = await reachFor(s, caller, upstream);
        return await s.pool.use(target, (c) => followUpdates(c, uri, () => s.pool.use(target, (again) => again.unsubscribeResource({ uri }, opts), owner), opts), owner);
      } catch (err) {
        throw new UpstreamSubscribeError(upstream.name, err);
      }
    },
    owner.principal,
  );
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
