// The 2025-11-25 era on POST /mcp: a client that opened with initialize, or sends requests without
// the per-request _meta envelope. A client that initializes gets a session where the runtime keeps
// one (legacy-sessions.ts); any other request is served statelessly: a fresh server and transport
// per request, JSON answers unless the client asks for progress, which only a stream carries.
// Such a stream also carries the upstream's log messages during the call.
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import type { Caller } from "../../node/access/principals/caller.ts";
import type { Services } from "../../node/services.ts";
import { buildServer } from "./server.ts";
import type { SessionClient } from "./interaction.ts";
import type { LegacySessions } from "./legacy-sessions.ts";
import { SessionEventStore } from "./session-events.ts";
import { sessionClient } from "./session-opening.ts";

/** What a session keeps of its streams for Last-Event-ID, and the reconnection delay it asks for. */
const SESSION_EVENTS = { streams: 16, eventsPerStream: 64, bytes: 256 * 1024 };
const RETRY_MS = 1000;

/** True when some request in the body carries a progress token: only SSE can carry progress. */
function wantsStream(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => {
    const meta = (m as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta;
    return meta?.progressToken !== undefined;
  });
}

/**
 * Opens a 2025-11-25 session for a client that initializes: its server outlives one POST, so what
 * its calls' upstreams ask reaches it on the POST's stream and its answers (later POSTs) find their
 * request, its log level holds for its later calls, and a stream it lost can be resumed.
 */
export async function openLegacySession(s: Services, caller: Caller, sessions: LegacySessions, request: Request, body: unknown): Promise<Response> {
  let client: SessionClient | undefined;
  const server = buildServer(s, caller, { capabilities: () => client?.capabilities(), logLevel: () => client?.logLevel() });
  client = sessionClient(server);
  // Server-initiated requests travel on the POST's stream, so a session always answers in SSE.
  const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
    // Visible ASCII, unguessable, as the spec asks of a session id.
    sessionIdGenerator: () => crypto.randomUUID(),
    eventStore: new SessionEventStore(SESSION_EVENTS),
    retryInterval: RETRY_MS,
    onsessioninitialized: (id): void => sessions.add(id, { principal: caller.id, caller, server, transport }),
    onsessionclosed: (id) => void sessions.close(id),
  });
  await server.connect(transport);
  return transport.handleRequest(request, { parsedBody: body });
}

/**
 * A stateless request that streams its answer: it cannot have set a level (logging/setLevel has no
 * session to hold it), so it gets what the spec leaves to the server before one is set and the SDK
 * sends then: every level.
 */
const STREAMED_STATELESS: SessionClient = { capabilities: () => undefined, logLevel: () => "debug" };

export async function serveLegacy(s: Services, caller: Caller, request: Request, body: unknown): Promise<Response> {
  const stream = wantsStream(body);
  const server = buildServer(s, caller, stream ? STREAMED_STATELESS : undefined);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: !stream,
  });
  await server.connect(transport);
  // A JSON answer exists only once every handler has finished, so nothing is left to close.
  // A stream is different: a client that goes away aborts its handlers, and with them the
  // upstream call. (Only then is the request's signal touched: on Node it is built lazily.)
  if (stream) request.signal.addEventListener("abort", () => void server.close(), { once: true });
  return transport.handleRequest(request, { parsedBody: body });
}
