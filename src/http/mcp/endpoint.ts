// POST /mcp: streamable HTTP, stateless, both protocol eras. Each request is sent to the era it
// claims (the SDK's own classification): a 2026-07-28 request carries its protocol version in its
// _meta envelope; any other is served as 2025-11-25. A fresh SDK server answers it, except in a
// 2025-11-25 session (Node and Deno), whose server lives as long as the session.
import { isLegacyRequest, parseJSONRPCMessage } from "@modelcontextprotocol/server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { bearer, insufficientScope } from "../oauth/bearer.ts";
import { nodeOrigin } from "../oauth/metadata.ts";
import { hasScope } from "../../node/access/principals/principal.ts";
import { scopeFor } from "../../node/access/principals/scopes.ts";
import { originGuard } from "../request/origin.ts";
import type { Services } from "../../node/services.ts";
import type { AppEnv } from "../request/app-env.ts";
import { nestsDeeperThan } from "../../protocol/encoding/json-depth.ts";
import { jsonRpcError } from "../request/jsonrpc.ts";
import { StreamCapError } from "../../node/catalog/list-changed-streams.ts";
import { openLegacySession, serveLegacy } from "./legacy.ts";
import { LegacySessions } from "./legacy-sessions.ts";
import { opensSession } from "./session-opening.ts";
import { modernEndpoint } from "./modern.ts";
import { awaitDispatch } from "./traced-call.ts";
import type { Span, Tracer } from "../../node/tracing/tracer.ts";
import { parseTraceparent } from "../../protocol/tracing/trace-context.ts";

function isJsonRpcMessage(m: unknown): boolean {
  try {
    parseJSONRPCMessage(m);
    return true;
  } catch {
    return false;
  }
}

/**
 * The span of one POST /mcp: under the client's `traceparent` header (with its `tracestate`), else
 * the pair in the first message's `params._meta`, else the root of a new trace. A malformed
 * traceparent starts a new trace; a malformed tracestate is dropped.
 */
function requestSpan(tracer: Tracer, header: { traceparent?: string; tracestate?: string }, messages: unknown[]): Span {
  const first = messages[0] as { method?: unknown; params?: { _meta?: { traceparent?: unknown; tracestate?: unknown } } };
  const meta = first.params?._meta;
  const parent = parseTraceparent(header.traceparent, header.tracestate) ?? parseTraceparent(meta?.traceparent, meta?.tracestate);
  const method = messages.length > 1 ? "batch" : typeof first.method === "string" ? first.method : "response";
  return tracer.start("mcp.request", "server", parent, { "mcp.method.name": method.slice(0, 64) });
}

/** 2025-11-25 sessions per principal, in all, and how long an unused one lives. */
const LEGACY_SESSION_LIMITS = { perPrincipal: 8, total: 1000, idleMs: 30 * 60_000 };

export function mcpRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const sessions = new LegacySessions(LEGACY_SESSION_LIMITS);
  const modern = modernEndpoint(s);
  app.use("/mcp", originGuard(s.config));
  app.use("/mcp", bearer(s));

  app.post(
    "/mcp",
    bodyLimit({
      maxSize: s.config.maxBodyBytes,
      onError: (c) => c.json(jsonRpcError(-32600, `Request body exceeds ${s.config.maxBodyBytes} bytes`, { type: "body_too_large" }), 413),
    }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return c.json(jsonRpcError(-32700, "Parse error: the body is not valid JSON"), 400);
      }
      const messages = Array.isArray(body) ? body : [body];
      // Refused before anything walks the params (schema, handlers, upstream): deep enough, a walk
      // overflows the stack, and the failure would be blamed on the upstream.
      // The message is one level; its params (or result) get the rest.
      const deep = messages.find((m) => nestsDeeperThan(m, s.config.maxJsonDepth + 1));
      if (deep) {
        const id = (deep as { id?: unknown }).id;
        const answerId = typeof id === "string" || typeof id === "number" ? id : null;
        const message = `Invalid params: nested more than ${s.config.maxJsonDepth} levels deep`;
        return c.json({ ...jsonRpcError(-32602, message, { type: "too_deep", maxDepth: s.config.maxJsonDepth }), id: answerId }, 400);
      }
      if (messages.length === 0 || !messages.every(isJsonRpcMessage)) {
        return c.json(jsonRpcError(-32600, "Invalid Request: not a JSON-RPC 2.0 message"), 400);
      }
      const principal = c.var.principal;
      for (const m of messages) {
        const scope = scopeFor(m);
        if (scope && !hasScope(principal, scope)) return insufficientScope(c, nodeOrigin(s.config, c.req.url), scope);
      }
      const span = s.tracer && requestSpan(s.tracer, { traceparent: c.req.header("traceparent"), tracestate: c.req.header("tracestate") }, messages);
      const caller = { id: principal.id, principal, defer: c.var.defer, origin: nodeOrigin(s.config, c.req.url), span };
      const answer = async (): Promise<Response> => {
        const sessionId = c.req.header("mcp-session-id");
        if (sessionId !== undefined) {
          const session = sessions.use(sessionId, principal.id);
          if (!session) return c.json(jsonRpcError(-32001, "Session not found: it ended, expired, or is not yours; initialize again"), 404);
          // The session's server serves with the caller that opened it: its calls' spans go under
          // this request's, found by their JSON-RPC ids (a session's requests may overlap).
          session.caller.span = span;
          if (span) awaitDispatch(session.caller, messages, span);
          return session.transport.handleRequest(c.req.raw, { parsedBody: body });
        }
        if (await isLegacyRequest(c.req.raw, body)) {
          // Sessions live in this process's memory: only where the runtime keeps streams. At the
          // node's total, a new client is served statelessly rather than ending a stranger's session.
          if (s.platform.standingStreams && opensSession(messages) && sessions.admit(principal.id)) {
            return openLegacySession(s, caller, sessions, c.req.raw, body);
          }
          return serveLegacy(s, caller, c.req.raw, body);
        }
        return modern.serve(caller, c.req.raw, body);
      };
      if (!span) return answer();
      try {
        const res = await answer();
        span.set({ "http.response.status_code": res.status }).end(res.status < 400 ? "ok" : `http_${res.status}`);
        return res;
      } catch (err) {
        span.end("internal");
        throw err;
      } finally {
        c.var.defer(s.tracer!.afterRequest());
      }
    },
  );

  // A standing stream carries list_changed where the runtime keeps one open (not on Workers). In a
  // session, a GET with Last-Event-ID resumes one of the session's streams instead.
  app.get("/mcp", (c) => {
    if (!s.platform.standingStreams || !c.req.header("accept")?.includes("text/event-stream")) {
      c.header("Allow", "POST");
      return c.json(jsonRpcError(-32000, "Method not allowed: this node serves no standing stream here; use POST"), 405);
    }
    const sessionId = c.req.header("mcp-session-id");
    if (sessionId !== undefined) {
      const session = sessions.use(sessionId, c.var.principal.id);
      if (!session) return c.json(jsonRpcError(-32001, "Session not found: it ended, expired, or is not yours; initialize again"), 404);
      if (c.req.header("last-event-id") !== undefined) return session.transport.handleRequest(c.req.raw);
    }
    try {
      return s.streams.open(c.req.raw.signal, c.var.principal.id);
    } catch (err) {
      if (!(err instanceof StreamCapError)) throw err;
      const status = err.scope === "principal" ? 429 : 503;
      c.header("Retry-After", "30");
      return c.json(jsonRpcError(-32000, `Too many standing streams: ${err.message}; close one first`, { type: "too_many_streams", scope: err.scope, max: err.max }), status);
    }
  });
  // Only a 2025-11-25 session can be ended.
  app.delete("/mcp", async (c) => {
    const sessionId = c.req.header("mcp-session-id");
    if (sessionId !== undefined) {
      if (!sessions.use(sessionId, c.var.principal.id)) return c.json(jsonRpcError(-32001, "Session not found"), 404);
      await sessions.close(sessionId);
      return c.body(null, 204);
    }
    c.header("Allow", s.platform.standingStreams ? "GET, POST" : "POST");
    return c.json(jsonRpcError(-32000, "Method not allowed: this node is stateless; there is no session to end"), 405);
  });
  return app;
}
