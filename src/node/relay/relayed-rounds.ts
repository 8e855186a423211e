// A relayed call whose consumer's client can answer what the upstream asks, or wants its log
// messages. The rounds are those of a local 2026-07-28 client (src/node/interactive/): the first
// round starts the upstream call and holds it here while it waits; the answer carries the
// questions and a sealed request state; the consumer's retry brings the answers and the state
// back. The state is bound to the peer (its principal) and to the entry's key and arguments, so
// a state issued to another node or for another call does not open.
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { Caller } from "../access/principals/caller.ts";
import { canAnswer, type Ask, type Interaction } from "../interactive/input-requests.ts";
import { InputResponsesError, UndeclaredCapabilityError, withInputRounds, type InputRequiredResult, type InputRoundPorts } from "../interactive/input-rounds.ts";
import { RequestStateError } from "../interactive/request-state.ts";
import { HeldCallError } from "../interactive/suspended-calls.ts";
import { inputRequired, type CallErrorCode, type CallRequest, type InputRequired } from "../../protocol/messages/relay.ts";
import { logEntryFor, type LogEntry } from "./upstream-logs.ts";
import { logSinksOf } from "./held-call-logs.ts";

/** The retry cannot go on: its state or answers are refused, or too many calls wait already. */
export class RelayInputError extends Error {
  override name = "RelayInputError";
  constructor(
    readonly code: Extract<CallErrorCode, "bad_request_state" | "bad_request" | "rate_limited" | "internal">,
    message: string,
  ) {
    super(message);
  }
}

/** For a call that wants logs only: whatever the upstream asks is refused as for a client that declared nothing. */
const askNothing: Ask = (request) => Promise.reject(new UndeclaredCapabilityError(request.method));

export async function relayedToolCall(
  s: InputRoundPorts & { platform: { requestScopedIo?: boolean | undefined } },
  caller: Caller,
  request: CallRequest,
  o: { onlog?: ((entry: LogEntry) => void) | undefined },
  proxy: (interaction: Interaction | undefined, signal?: AbortSignal) => Promise<CallToolResult>,
): Promise<{ result: CallToolResult } | { inputRequired: InputRequired }> {
  const level = request.logLevel;
  // A held call logs on after the round that started it has answered: its messages go to the stream of the round now waiting on it.
  const sinks = logSinksOf(s.heldCalls);
  const sink = (request.input && sinks.take(caller.id, request.input.requestState)) || { onlog: undefined, level };
  sink.onlog = o.onlog;
  sink.level = level;
  const onlog = level
    ? (params: Record<string, unknown>) => {
        const entry = sink.level && logEntryFor(params, sink.level);
        if (entry) sink.onlog?.(entry);
      }
    : undefined;
  const capabilities = request.capabilities ?? {};
  // Holding the upstream call past this request needs I/O that outlives it: not on Workers, where the upstream's ask is refused.
  if (!request.input && (!canAnswer(capabilities) || s.platform.requestScopedIo)) {
    // An old-era upstream's log messages name no call: only a session of the call's own tells whose they are.
    return { result: await proxy(onlog ? { capabilities: {}, ask: askNothing, onlog, logLevel: level } : undefined) };
  }
  const params = {
    name: request.key,
    arguments: request.arguments ?? {},
    ...(request.input ? { inputResponses: request.input.inputResponses ?? {}, requestState: request.input.requestState } : {}),
  };
  let out;
  try {
    out = await withInputRounds(s, caller, { method: "tools/call", params }, capabilities, (interaction, signal) => proxy({ ...interaction, onlog, logLevel: level }, signal));
  } catch (err) {
    if (err instanceof RequestStateError) throw new RelayInputError("bad_request_state", "the request state is not one this node issued to you for this call, or it expired");
    if (err instanceof HeldCallError) throw new RelayInputError(err.reason === "too_many" ? "rate_limited" : "bad_request_state", err.message);
    if (err instanceof InputResponsesError) throw new RelayInputError("bad_request", err.message);
    throw err;
  }
  if (out.resultType !== "input_required") return { result: out as CallToolResult };
  const { inputRequests, requestState } = out as InputRequiredResult;
  const asked = inputRequired.safeParse({ inputRequests, requestState });
  if (!asked.success) throw new RelayInputError("internal", "the upstream asked for more input than a relayed call can carry");
  if (onlog) sinks.put(caller.id, requestState, sink);
  return { inputRequired: asked.data };
}
