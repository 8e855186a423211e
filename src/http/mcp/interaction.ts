// How a request reaches the person behind the client when its upstream asks something, per
// protocol era: a 2026-07-28 client gets input_required results and retries (a 2026-07-28
// upstream's passed through, an old-era upstream's call held by the node meanwhile); a 2025-11-25
// client in a session gets the upstream's request as a server-initiated request on its POST's
// stream. A stateless old-era client cannot be asked.
// A 2025-11-25 session that set a log level gets the upstream's log messages during the call.
import {
  CLIENT_CAPABILITIES_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type ServerContext,
} from "@modelcontextprotocol/server";
import type { Caller } from "../../node/access/principals/caller.ts";
import { canAnswer, interactiveCapabilities, InputResponsesError, type InputRequest, type Interaction, type InteractiveCapabilities } from "../../node/interactive/input-requests.ts";
import { guardedAsk, withInputRounds, type RoundRoutes } from "../../node/interactive/input-rounds.ts";
import { UpstreamStateError, type ClientInput, type PassedInputRequired } from "../../node/interactive/passed-rounds.ts";
import { logEntryFor } from "../../node/relay/upstream-logs.ts";
import type { LogLevel } from "../../protocol/messages/relay.ts";
import { RequestStateError } from "../../node/interactive/request-state.ts";
import { HeldCallError } from "../../node/interactive/suspended-calls.ts";
import { toolUpstreamSpeaksModern } from "../../node/calls/upstream-era.ts";
import type { Services } from "../../node/services.ts";
import { log } from "../../node/logging/log.ts";

/** A 2025-11-25 session's client: what it declared it can be asked, and the log level it set. */
export interface SessionClient {
  capabilities(): InteractiveCapabilities | undefined;
  logLevel(): LogLevel | undefined;
}

/**
 * Runs a tools/call with the interaction its client can carry. `proxy` makes the upstream call,
 * given who answers the upstream's questions (none: the shared session, where an ask is refused)
 * or the 2026-07-28 client's input to pass on.
 */
export async function interactiveToolCall(
  s: Services,
  caller: Caller,
  session: SessionClient | undefined,
  params: Record<string, unknown>,
  ctx: ServerContext,
  tool: Parameters<typeof toolUpstreamSpeaksModern>[2],
  proxy: (interaction: Interaction | undefined, signal?: AbortSignal, input?: ClientInput) => Promise<CallToolResult | PassedInputRequired>,
): Promise<CallToolResult | PassedInputRequired> {
  if (isModern(ctx)) {
    return modernRounds(s, caller, params, ctx, {
      upstream: tool.upstream,
      passed: (input) => proxy(undefined, undefined, input),
      held: {
        speaksModern: () => toolUpstreamSpeaksModern(s, caller, tool),
        // A held call runs on a session of its own, whose upstream asks through requests: it completes.
        run: (interaction, signal) => proxy(interaction, signal) as Promise<CallToolResult>,
      },
    });
  }
  const caps = session?.capabilities() ?? {};
  const level = session?.logLevel();
  if (!canAnswer(caps) && !level) return proxy(undefined);
  // What the client did not declare is refused, so a client that only set a level is asked nothing.
  const ask = guardedAsk(caps, (request: InputRequest, signal) => ctx.mcpReq.send(request as never, { signal }) as Promise<Record<string, unknown>>);
  return proxy({ capabilities: caps, ask, ...(level ? { logLevel: level, onlog: (params) => forwardLog(ctx, params, level) } : {}) });
}

/** An upstream's log message, at the client's level or above and redacted, as a notification of this request. */
function forwardLog(ctx: ServerContext, params: Record<string, unknown>, level: LogLevel): void {
  const entry = logEntryFor(params, level);
  if (entry) void ctx.mcpReq.log(entry.level, entry.data, entry.logger).catch(() => {});
}

/**
 * A prompts/get or resources/read: a 2026-07-28 client's input passes to a 2026-07-28 upstream and
 * the upstream's input_required back. `run` makes the upstream request (no input: an old-era client).
 */
export async function passedRequest<R extends object>(
  s: Services,
  caller: Caller,
  params: Record<string, unknown>,
  ctx: ServerContext,
  upstream: string,
  run: (input: ClientInput | undefined) => Promise<R | PassedInputRequired>,
): Promise<R | PassedInputRequired> {
  if (!isModern(ctx)) return run(undefined);
  return modernRounds(s, caller, params, ctx, { upstream, passed: run });
}

function isModern(ctx: ServerContext): boolean {
  return (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[PROTOCOL_VERSION_META_KEY] !== undefined;
}

async function modernRounds<R extends object>(s: Services, caller: Caller, params: Record<string, unknown>, ctx: ServerContext, routes: RoundRoutes<R>) {
  const declared = interactiveCapabilities.safeParse((ctx.mcpReq.envelope as Record<string, unknown>)[CLIENT_CAPABILITIES_META_KEY] ?? {});
  const caps = declared.success ? declared.data : {};
  // The SDK lifts the answers and the state out of the params; the rounds take them back.
  const retry = { ...params, requestState: ctx.mcpReq.requestState<unknown>(), inputResponses: ctx.mcpReq.inputResponses };
  try {
    return await withInputRounds(s, caller, { method: ctx.mcpReq.method, params: retry }, caps, routes);
  } catch (err) {
    throw asProtocolError(err);
  }
}

/** The spec's -32602 for a state or answers the node cannot accept; the reason goes to the log. */
function asProtocolError(err: unknown): unknown {
  if (err instanceof RequestStateError) {
    log.warn("mcp.request_state_refused", { reason: err.reason });
    return new ProtocolError(ProtocolErrorCode.InvalidParams, "Invalid params: requestState is not one this node issued for this request, or it expired", { type: "invalid_request_state" });
  }
  if (err instanceof InputResponsesError) return new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params: ${err.message}`, { type: "invalid_input_responses" });
  if (err instanceof UpstreamStateError) return new ProtocolError(ProtocolErrorCode.InternalError, err.message, { type: "upstream_state_too_long" });
  if (err instanceof HeldCallError) {
    const type = err.reason === "too_many" ? "too_many_waiting_calls" : "invalid_request_state";
    return new ProtocolError(err.reason === "too_many" ? -32000 : ProtocolErrorCode.InvalidParams, `Invalid params: ${err.message}`, { type });
  }
  return err;
}
