// A tools/call on a peer's tool, with what the client can do in its era: a 2026-07-28 client's
// capabilities, log level and retry go to the provider, and the provider's input_required comes
// back as it is; a 2025-11-25 client in a session is asked each question on its stream while
// this node relays the retries; any other client gets a result or a clear error.
import {
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type ServerContext,
} from "@modelcontextprotocol/server";
import type { Caller } from "../../node/access/principals/caller.ts";
import { canAnswer, interactiveCapabilities, type InputRequest } from "../../node/interactive/input-requests.ts";
import { guardedAsk } from "../../node/interactive/input-rounds.ts";
import { answerRounds } from "../../node/relay/client-rounds.ts";
import { completedOnly, relayToolCall, type RelayedCall, type RelayedInputRequired } from "../../node/relay/consumer.ts";
import type { LogEntry } from "../../node/relay/upstream-logs.ts";
import type { Services } from "../../node/services.ts";
import { callInput, logLevel } from "../../protocol/messages/relay.ts";
import type { SessionCapabilities } from "./interaction.ts";

export async function relayedInteractiveCall(s: Services, caller: Caller, session: SessionCapabilities | undefined, ctx: ServerContext, call: RelayedCall): Promise<CallToolResult | RelayedInputRequired> {
  // The SDK applies the client's level (setLevel, or the request's envelope) to what it sends.
  const onlog = (entry: LogEntry) => void ctx.mcpReq.log(entry.level, entry.data, entry.logger).catch(() => {});
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  if (envelope[PROTOCOL_VERSION_META_KEY] !== undefined) {
    const declared = interactiveCapabilities.safeParse(envelope[CLIENT_CAPABILITIES_META_KEY] ?? {});
    const level = logLevel.safeParse(envelope[LOG_LEVEL_META_KEY]);
    const requestState = ctx.mcpReq.requestState<unknown>();
    let input;
    if (requestState !== undefined) {
      const parsed = callInput.safeParse({ inputResponses: ctx.mcpReq.inputResponses ?? {}, requestState });
      if (!parsed.success) throw new ProtocolError(ProtocolErrorCode.InvalidParams, "Invalid params: requestState and inputResponses are not a retry this node can relay", { type: "invalid_request_state" });
      input = parsed.data;
    }
    return relayToolCall(s, caller, {
      ...call,
      ...(declared.success && canAnswer(declared.data) ? { capabilities: declared.data } : {}),
      input,
      ...(level.success ? { logLevel: level.data, onlog } : {}),
    });
  }
  const caps = session?.();
  if (!caps || !canAnswer(caps)) return completedOnly(await relayToolCall(s, caller, call));
  const ask = guardedAsk(caps, (request: InputRequest, signal) => ctx.mcpReq.send(request as never, { signal }) as Promise<Record<string, unknown>>);
  // The session's level is the SDK's to apply (logging/setLevel): the provider sends all it has.
  return answerRounds((input) => relayToolCall(s, caller, { ...call, capabilities: caps, input, logLevel: "debug", onlog }), ask, call.signal ?? ctx.mcpReq.signal);
}
