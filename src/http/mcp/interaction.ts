// How a tools/call reaches the person behind the client when its upstream asks something, per
// protocol era: a 2026-07-28 client gets input_required results and retries (the node holds the
// upstream call meanwhile); a 2025-11-25 client in a session gets the upstream's request as a
// server-initiated request on its POST's stream. A stateless old-era client cannot be asked.
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
import { canAnswer, interactiveCapabilities, type InputRequest, type Interaction, type InteractiveCapabilities } from "../../node/interactive/input-requests.ts";
import { guardedAsk, InputResponsesError, withInputRounds, type InputRequiredResult } from "../../node/interactive/input-rounds.ts";
import { logEntryFor } from "../../node/relay/upstream-logs.ts";
import type { LogLevel } from "../../protocol/messages/relay.ts";
import { RequestStateError } from "../../node/interactive/request-state.ts";
import { HeldCallError } from "../../node/interactive/suspended-calls.ts";
import type { Services } from "../../node/services.ts";
import { log } from "../../node/logging/log.ts";

/** A 2025-11-25 session's client: what it declared it can be asked, and the log level it set. */
export interface SessionClient {
  capabilities(): InteractiveCapabilities | undefined;
  logLevel(): LogLevel | undefined;
}

/**
 * Runs a tools/call with the interaction its client can carry. `proxy` makes the upstream call,
 * given who answers the upstream's questions (none: the shared session, where an ask is refused).
 */
export async function interactiveToolCall(
  s: Services,
  caller: Caller,
  session: SessionClient | undefined,
  params: Record<string, unknown>,
  ctx: ServerContext,
  proxy: (interaction: Interaction | undefined, signal?: AbortSignal) => Promise<CallToolResult>,
): Promise<CallToolResult | InputRequiredResult> {
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  if (envelope[PROTOCOL_VERSION_META_KEY] !== undefined) {
    const declared = interactiveCapabilities.safeParse(envelope[CLIENT_CAPABILITIES_META_KEY] ?? {});
    const caps = declared.success ? declared.data : {};
    const requestState = ctx.mcpReq.requestState<unknown>();
    // Holding an upstream call past its request needs I/O that outlives the request: not on Workers.
    if (requestState === undefined && (!canAnswer(caps) || s.platform.requestScopedIo)) return proxy(undefined);
    // The SDK lifts the answers and the state out of the params; the node's rounds take them back.
    const retry = { ...params, requestState, inputResponses: ctx.mcpReq.inputResponses };
    try {
      return await withInputRounds(s, caller, { method: ctx.mcpReq.method, params: retry }, caps, (interaction, signal) => proxy(interaction, signal));
    } catch (err) {
      throw asProtocolError(err);
    }
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

/** The spec's -32602 for a state or answers the node cannot accept; the reason goes to the log. */
function asProtocolError(err: unknown): unknown {
  if (err instanceof RequestStateError) {
    log.warn("mcp.request_state_refused", { reason: err.reason });
    return new ProtocolError(ProtocolErrorCode.InvalidParams, "Invalid params: requestState is not one this node issued for this request, or it expired", { type: "invalid_request_state" });
  }
  if (err instanceof InputResponsesError) return new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params: ${err.message}`, { type: "invalid_input_responses" });
  if (err instanceof HeldCallError) {
    const type = err.reason === "too_many" ? "too_many_waiting_calls" : "invalid_request_state";
    return new ProtocolError(err.reason === "too_many" ? -32000 : ProtocolErrorCode.InvalidParams, `Invalid params: ${err.message}`, { type });
  }
  return err;
}
