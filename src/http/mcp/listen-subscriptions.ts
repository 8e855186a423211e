// The 2026-07-28 era's resource subscriptions: a subscriptions/listen whose filter names resource
// URIs. The SDK's handler serves the stream and picks, per stream, which updates it carries; the
// node first checks each URI and subscribes on the upstream, and lets go when the stream ends.
// A listen for list changes is counted while it streams, so that the upstreams listen in turn.
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import { z } from "zod";
import { log } from "../../node/logging/log.ts";
import type { Caller } from "../../node/access/principals/caller.ts";
import type { Services } from "../../node/services.ts";
import { subscribeListedResource } from "../../node/relay/resource-lease-consumer.ts";
import { subscriptionError } from "./subscription-errors.ts";

const listenWithResources = z.object({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.string(), z.number()]),
  method: z.literal("subscriptions/listen"),
  params: z.object({
    notifications: z.object({ resourceSubscriptions: z.array(z.string().min(1)).min(1) }),
  }),
});

const listenForChanges = z.object({
  method: z.literal("subscriptions/listen"),
  params: z.object({
    notifications: z.union([
      z.object({ toolsListChanged: z.literal(true) }),
      z.object({ promptsListChanged: z.literal(true) }),
      z.object({ resourcesListChanged: z.literal(true) }),
    ]),
  }),
});

/** Answers in-band, as the SDK answers a listen it refuses; an unforeseen failure only in the log. */
function refusal(id: string | number, err: unknown): Response {
  let error: { code: number; message: string; data?: unknown };
  if (err instanceof ProtocolError) error = { code: err.code, message: err.message, ...(err.data === undefined ? {} : { data: err.data }) };
  else {
    log.error("mcp.listen_failed", { error: err instanceof Error ? err.name : "unknown", message: err instanceof Error ? err.message : String(err) });
    error = { code: ProtocolErrorCode.InternalError, message: "internal error" };
  }
  return Response.json({ jsonrpc: "2.0", id, error }, { status: 200 });
}

/** Passes `body` through, calling `done` once when it ends, fails or is cancelled. */
function onEnd(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const { done: ended, value } = await reader.read();
        if (ended) {
          done();
          c.close();
        } else c.enqueue(value);
      } catch (err) {
        done();
        c.error(err);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
}

export type ServeListen = () => Promise<Response>;

/**
 * Serves a listen: one for list changes is served once the upstreams listen too, and counted while
 * it streams; one that names resources is refused in-band (nothing kept) if one is unknown, over a
 * cap or refused upstream, else served holding the subscriptions while it streams.
 * Anything else goes to `serve` untouched.
 */
export async function withResourceSubscriptions(
  s: Services,
  caller: Caller,
  request: Request,
  body: unknown,
  deliver: (uri: string) => void,
  serve: ServeListen,
): Promise<Response> {
  if (!s.platform.standingStreams || !listenForChanges.safeParse(body).success) return withResources(s, caller, request, body, deliver, serve);
  // Counted while it streams: the upstreams listen for their changes only while some client does.
  const { ready, release } = s.streams.hold();
  await ready;
  return holdWhileStreaming(request, await withResources(s, caller, request, body, deliver, serve).catch((err: unknown) => {
    release();
    throw err;
  }), release);
}

/** Calls `release` when the response's stream ends, or at once if it is no stream. */
function holdWhileStreaming(request: Request, response: Response, release: () => void): Response {
  if (!response.body || !response.headers.get("content-type")?.includes("text/event-stream")) {
    release();
    return response;
  }
  request.signal.addEventListener("abort", release, { once: true });
  return new Response(onEnd(response.body, release), { status: response.status, headers: response.headers });
}

/** The resources part of withResourceSubscriptions. */
async function withResources(
  s: Services,
  caller: Caller,
  request: Request,
  body: unknown,
  deliver: (uri: string) => void,
  serve: ServeListen,
): Promise<Response> {
  const listen = listenWithResources.safeParse(body);
  // A malformed filter is the SDK's to refuse.
  if (!s.platform.standingStreams || !listen.success) return serve();
  const subscriber = { id: `listen:${crypto.randomUUID()}`, principal: caller.id, deliver };
  const release = () => s.subscriptions.drop(subscriber.id);
  try {
    for (const uri of new Set(listen.data.params.notifications.resourceSubscriptions)) await subscribeListedResource(s, caller, subscriber, uri);
  } catch (err) {
    release();
    return refusal(listen.data.id, subscriptionError(err));
  }
  const response = await serve().catch((err: unknown) => {
    release();
    throw err;
  });
  // Refused by the SDK, there is no stream to hold them.
  return holdWhileStreaming(request, response, release);
}
