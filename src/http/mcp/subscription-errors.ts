// How a refused resource subscription is told to the client, in either era.
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from "@modelcontextprotocol/server";
import { SubscriptionCapError } from "../../node/catalog/resource-subscriptions.ts";
import { UnknownResourceError, UpstreamSubscribeError } from "../../node/upstreams/subscribe-resource.ts";
import { upstreamFailure } from "../../node/calls/errors.ts";

/** The typed MCP error for a failed subscribe; anything unforeseen is rethrown, for the log only. */
export function subscriptionError(err: unknown): unknown {
  if (err instanceof UnknownResourceError) return new ResourceNotFoundError(err.uri, err.message);
  if (err instanceof SubscriptionCapError) {
    return new ProtocolError(ProtocolErrorCode.InvalidRequest, `Too many resource subscriptions: ${err.message}; unsubscribe first`, {
      type: "too_many_subscriptions",
      scope: err.scope,
      max: err.max,
    });
  }
  if (err instanceof UpstreamSubscribeError) return upstreamFailure(err.upstream, err.cause).error;
  return err;
}
