// The 2025-11-25 era on POST /mcp: a client that opened with initialize, or sends requests without
// the per-request _meta envelope. Stateless, as before: a fresh server and transport per request,
// JSON answers unless the client asks for progress, which only a stream carries.
// Sessions and server-initiated requests (elicitation, sampling) for this era belong here.
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import type { Caller } from "../../node/access/principals/caller.ts";
import type { Services } from "../../node/services.ts";
import { buildServer } from "./server.ts";
import type { LegacySessions } from "./legacy-sessions.ts";
import { sessionCapabilities } from "./session-opening.ts";

/** True when some request in the body carries a progress token: only SSE can carry progress. */
function wantsStream(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => {
    const meta = (m as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta;
    return meta?.progressToken !== undefined;
  });
}

/**
 * Opens a 2025-11-25 session for a client that can be asked something, so that what its calls'
 * upstreams ask reaches it on the POST's stream and its answers (later POSTs) find their request.
 */
export async function openLegacySession(s: Services, caller: Caller, sessions: LegacySessions, request: Request, body: unknown): Promise<Response> {
  const server = buildServer(s, caller, () => sessionCapabilities(server));
  // Server-initiated requests travel on the POST's stream, so a session always answers in SSE.
  const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    onsessioninitialized: (id): void => sessions.add(id, { principal: caller.id, server, transport }),
    onsessionclosed: (id) => void sessions.close(id),
  });
  await server.connect(transport);
  return transport.handleRequest(request, { parsedBody: body });
}

export async function serveLegacy(s: Services, caller: Caller, request: Request, body: unknown): Promise<Response> {
  const server = buildServer(s, caller);
  const stream = wantsStream(body);
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
