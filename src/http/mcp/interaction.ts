// How a tools/call reaches the person behind the client when its upstream asks something, per
// protocol era: a 2026-07-28 client gets input_required results and retries (the node holds the
// upstream call meanwhile); a 2025-11-25 client in a session gets the upstream's request as a
// server-initiated request on its POST's stream. A stateless old-era client cannot be asked.
import { McpError, ErrorCode, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Caller } from "../../node/access/principals/caller.ts";
import { canAnswer, interactiveCapabilities, type InteractiveCapabilities } from "../../node/interactive/input-requests.ts";
import { guardedAsk, InputResponsesError, withInputRounds, type InputRequiredResult } from "../../node/interactive/input-rounds.ts";
import { RequestStateError } from "../../node/interactive/request-state.ts";
import { HeldCallError } from "../../node/interactive/suspended-calls.ts";
import type { Services } from "../../node/services.ts";
import type { Interaction } from "../../node/upstreams/pool.ts";
import { log } from "../../node/logging/log.ts";

export const MODERN_ERA = "2026-07-28";
export const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
export const META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";

/** What the endpoint knows of one request beyond what the SDK's schemas keep. */
export interface RequestContext {
  /** The params as sent, by request id (the SDK strips keys it does not know, like requestState). */
  rawParams: Map<string | number, Record<string, unknown>>;
  /** A 2025-11-25 session, whose client can be sent requests, and what it declared. */
  session?: (() => InteractiveCapabilities | undefined) | undefined;
}

export const anyResult = z.looseObject({});

type SendRequest = (request: { method: string; params?: Record<string, unknown> | undefined }, schema: typeof anyResult, options: { signal: AbortSignal }) => Promise<Record<string, unknown>>;

/**
 * Runs a tools/call with the interaction its client can carry. `proxy` makes the upstream call,
 * given who answers the upstream's questions (none: the shared session, where an ask gets -32601).
 */
export async function interactiveToolCall(
  s: Services,
  caller: Caller,
  ctx: RequestContext | undefined,
  extra: { requestId: string | number; sendRequest: SendRequest },
  proxy: (interaction: Interaction | undefined, signal?: AbortSignal) => Promise<CallToolResult>,
): Promise<CallToolResult | InputRequiredResult> {
  const raw = ctx?.rawParams.get(extra.requestId);
  const meta = (raw?._meta ?? {}) as Record<string, unknown>;
  if (meta[META_PROTOCOL_VERSION] === MODERN_ERA) {
    const declared = interactiveCapabilities.safeParse(meta[META_CLIENT_CAPABILITIES] ?? {});
    const caps = declared.success ? declared.data : {};
    if (!canAnswer(caps) && raw?.requestState === undefined) return proxy(undefined);
    try {
      return await withInputRounds(s, caller, { method: "tools/call", params: raw }, caps, (interaction, signal) => proxy(interaction, signal));
    } catch (err) {
      throw asMcpError(err);
    }
  }
  const caps = ctx?.session?.();
  if (!caps || !canAnswer(caps)) return proxy(undefined);
  const ask = guardedAsk(caps, (request, signal) => extra.sendRequest(request, anyResult, { signal }));
  return proxy({ capabilities: caps, ask });
}

/** The spec's -32602 for a state or answers the node cannot accept; the reason goes to the log. */
function asMcpError(err: unknown): unknown {
  if (err instanceof RequestStateError) {
    log.warn("mcp.request_state_refused", { reason: err.reason });
    return new McpError(ErrorCode.InvalidParams, "Invalid params: requestState is not one this node issued for this request, or it expired", { type: "invalid_request_state" });
  }
  if (err instanceof InputResponsesError) return new McpError(ErrorCode.InvalidParams, `Invalid params: ${err.message}`, { type: "invalid_input_responses" });
  if (err instanceof HeldCallError) {
    const type = err.reason === "too_many" ? "too_many_waiting_calls" : "invalid_request_state";
    return new McpError(err.reason === "too_many" ? -32000 : ErrorCode.InvalidParams, `Invalid params: ${err.message}`, { type });
  }
  return err;
}
