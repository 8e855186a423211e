// A tools/call on a peer's tool, with what the client can do in its era: a 2026-07-28 client's
// capabilities, log level and retry go to the provider, and the provider's input_required comes
// back as it is; a 2025-11-25 client in a session is asked each question on its stream while
// this node relays the retries; any other client gets a result or a clear error.
import { ErrorCode, McpError, type CallToolResult, type LoggingMessageNotification } from "@modelcontextprotocol/sdk/types.js";
import type { Caller } from "../../node/access/principals/caller.ts";
import { canAnswer, interactiveCapabilities } from "../../node/interactive/input-requests.ts";
import { guardedAsk } from "../../node/interactive/input-rounds.ts";
import { answerRounds } from "../../node/relay/client-rounds.ts";
import { completedOnly, relayToolCall, type RelayedCall, type RelayedInputRequired } from "../../node/relay/consumer.ts";
import type { Services } from "../../node/services.ts";
import { callInput, logLevel } from "../../protocol/messages/relay.ts";
import { anyResult, META_CLIENT_CAPABILITIES, META_PROTOCOL_VERSION, MODERN_ERA, type interactiveToolCall, type RequestContext } from "./interaction.ts";

/** Where a 2026-07-28 request carries the client's log level. */
const META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";

type Extra = Parameters<typeof interactiveToolCall>[3] & {
  sendNotification: (n: { method: "notifications/message"; params: LoggingMessageNotification["params"] }) => Promise<void>;
};

export async function relayedInteractiveCall(s: Services, caller: Caller, ctx: RequestContext | undefined, extra: Extra, call: RelayedCall): Promise<CallToolResult | RelayedInputRequired> {
  const raw = ctx?.rawParams.get(extra.requestId);
  const meta = (raw?._meta ?? {}) as Record<string, unknown>;
  if (meta[META_PROTOCOL_VERSION] === MODERN_ERA) {
    const declared = interactiveCapabilities.safeParse(meta[META_CLIENT_CAPABILITIES] ?? {});
    const level = logLevel.safeParse(meta[META_LOG_LEVEL]);
    let input;
    if (raw?.requestState !== undefined) {
      const parsed = callInput.safeParse({ inputResponses: raw.inputResponses ?? {}, requestState: raw.requestState });
      if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, "Invalid params: requestState and inputResponses are not a retry this node can relay", { type: "invalid_request_state" });
      input = parsed.data;
    }
    return relayToolCall(s, caller, {
      ...call,
      ...(declared.success && canAnswer(declared.data) ? { capabilities: declared.data } : {}),
      input,
      ...(level.success ? { logLevel: level.data, onlog: (params) => void extra.sendNotification({ method: "notifications/message", params }).catch(() => {}) } : {}),
    });
  }
  const caps = ctx?.session?.();
  if (!caps || !canAnswer(caps)) return completedOnly(await relayToolCall(s, caller, call));
  const ask = guardedAsk(caps, (request, signal) => extra.sendRequest(request, anyResult, { signal }));
  return answerRounds((input) => relayToolCall(s, caller, { ...call, capabilities: caps, input }), ask, call.signal ?? new AbortController().signal);
}
