// A body limit that trusts a declared length, as hono's bodyLimit does, without touching the
// request's body stream to find out whether there is one. On Node the adapter's request is a light
// wrapper that reads the body straight from the socket; asking for `body` builds a full web Request
// over a stream instead, which the later read then goes through (about a third of a millisecond of
// CPU per relayed call at the provider, docs/benchmarks.md). HTTP framing ends a body at its
// Content-Length, so nothing longer can arrive; a body without one is counted as it streams.
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

export function declaredBodyLimit(options: { maxSize: number; onError: (c: Context) => Response | Promise<Response> }): MiddlewareHandler {
  const streamed = bodyLimit(options);
  return async (c, next) => {
    const length = c.req.header("content-length");
    if (length === undefined || c.req.header("transfer-encoding") !== undefined) return streamed(c, next);
    // A length that is not plain digits cannot be trusted (hono's parseInt would read "5abc" as 5).
    if (!/^\d+$/.test(length) || Number(length) > options.maxSize) return options.onError(c);
    await next();
  };
}
