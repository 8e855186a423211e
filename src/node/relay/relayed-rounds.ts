// A relayed call whose consumer's client can answer what the upstream asks, or wants its log
// messages. The rounds are those of a local 2026-07-28 client (src/node/interactive/): a
// 2026-07-28 upstream's questions pass through with its state sealed in this node's; an old-era
// upstream's call is started and held here while it waits. The answer carries the questions and
// a sealed request state; the consumer's retry brings the answers and the state back. The state
// is bound to the peer (its principal) and to the entry's key and arguments, so a state issued to
// another node or for another call does not open.
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { Caller } from "../access/principals/caller.ts";
import { canAnswer, InputResponsesError, type Ask, type Interaction } from "../interactive/input-requests.ts";
import { UndeclaredCapabilityError, withInputRounds, type InputRoundPorts } from "../interactive/input-rounds.ts";
import { isPassedInputRequired, UpstreamStateError, type ClientInput, type PassedInputRequired } from "../interactive/passed-rounds.ts";
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

/** How the provider reaches the tool's upstream for one relayed call. */
export interface RelayedUpstream {
  name: string;
  speaksModern: () => Promise<boolean>;
  /** Calls the upstream, with who answers its questions (a held call's) or the client's input to pass on. */
  proxy: (interaction: Interaction | undefined, signal?: AbortSignal, input?: ClientInput) => Promise<CallToolResult | PassedInputRequired>;
}

export async function relayedToolCall(
  s: InputRoundPorts & { platform: { requestScopedIo?: boolean | undefined } },
  caller: Caller,
  request: CallRequest,
  o: { onlog?: ((entry: LogEntry) => void) | undefined },
  upstream: RelayedUpstream,
): Promise<{ result: CallToolResult } | { inputRequired: InputRequired }> {
  const level = request.logLevel;
  // A held call logs on after the round that started it has answered: its messages go to the stream of the round now waiting on it.
  const sinks = logSinksOf(s.heldCalls);
  const sink = (request.input?.requestState !== undefined && sinks.take(caller.id, request.input.requestState)) || { onlog: undefined, level };
  sink.onlog = o.onlog;
  sink.level = level;
  const onlog = level
    ? (params: Record<string, unknown>) => {
        const entry = sink.level && logEntryFor(params, sink.level);
        if (entry) sink.onlog?.(entry);
      }
    : undefined;
  // An old-era upstream's log messages name no call: only a session of the call's own tells whose they are.
  const logsOnly = onlog ? { capabilities: {}, ask: askNothing, onlog, logLevel: level } : undefined;
  const capabilities = request.capabilities ?? {};
  if (!request.input && !canAnswer(capabilities)) return { result: (await upstream.proxy(logsOnly)) as CallToolResult };
  const params = {
    name: request.key,
    arguments: request.arguments ?? {},
    ...(request.input ? { inputResponses: request.input.inputResponses ?? {}, ...(request.input.requestState !== undefined ? { requestState: request.input.requestState } : {}) } : {}),
  };
  let out;
  try {
    out = await withInputRounds(s, caller, { method: "tools/call", params }, capabilities, {
      upstream: upstream.name,
      // A 2026-07-28 upstream's questions go back as they are, so any process (or isolate) serves the retry.
      passed: (input) => upstream.proxy(logsOnly, undefined, input),
      held: {
        speaksModern: upstream.speaksModern,
        // A held call's session is its own, and its upstream asks through requests: it completes.
        run: (interaction, signal) => upstream.proxy({ ...interaction, onlog, logLevel: level }, signal) as Promise<CallToolResult>,
      },
    });
  } catch (err) {
    throw relayInputErrorOf(err);
  }
  if (!isPassedInputRequired(out)) return { result: out as CallToolResult };
  const asked = relayedInputRequired(out);
  if (onlog) sinks.put(caller.id, asked.requestState, sink);
  return { inputRequired: asked };
}

/** A round's refusal as the relay answers it; any other error as it is. */
export function relayInputErrorOf(err: unknown): unknown {
  if (err instanceof RequestStateError) return new RelayInputError("bad_request_state", "the request state is not one this node issued to you for this request, or it expired");
  if (err instanceof HeldCallError) return new RelayInputError(err.reason === "too_many" ? "rate_limited" : "bad_request_state", err.message);
  if (err instanceof InputResponsesError) return new RelayInputError("bad_request", err.message);
  if (err instanceof UpstreamStateError) return new RelayInputError("internal", err.message);
  return err;
}

/** An upstream's input_required as the relay's answer carries it. */
export function relayedInputRequired(out: PassedInputRequired): InputRequired {
  const asked = inputRequired.safeParse({ inputRequests: out.inputRequests, requestState: out.requestState });
  if (!asked.success) throw new RelayInputError("internal", "the upstream asked for input that the relay cannot carry");
  return asked.data;
}
