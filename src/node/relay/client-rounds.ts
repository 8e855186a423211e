// A peer's tool that needs input, called by a client that cannot retry (2025-11-25, in a
// session): this node asks the client each question on its stream, then relays the retry, until
// the provider answers with a result. A 2026-07-28 client retries by itself and never comes here.
import { ProtocolError, ProtocolErrorCode, type CallToolResult } from "@modelcontextprotocol/server";
import { INPUT_METHODS, type Ask, type InputMethod, type InputResponse } from "../interactive/input-requests.ts";
import type { CallInput } from "../../protocol/messages/relay.ts";
import type { RelayedInputRequired } from "./consumer.ts";

/** Rounds one call may take before it is given up: a provider that keeps asking is not finishing. */
export const MAX_INPUT_ROUNDS = 8;

const isInputMethod = (m: string): m is InputMethod => (INPUT_METHODS as readonly string[]).includes(m);

export async function answerRounds(
  round: (input: CallInput | undefined) => Promise<CallToolResult | RelayedInputRequired>,
  ask: Ask,
  signal: AbortSignal,
): Promise<CallToolResult> {
  let input: CallInput | undefined;
  for (let i = 0; i < MAX_INPUT_ROUNDS; i++) {
    const out = await round(input);
    if (out.resultType !== "input_required") return out as CallToolResult;
    const asked = out as RelayedInputRequired;
    const inputResponses: Record<string, InputResponse> = {};
    for (const [key, request] of Object.entries(asked.inputRequests)) {
      if (!isInputMethod(request.method)) throw new ProtocolError(ProtocolErrorCode.InternalError, `the peer asked for ${request.method}, which no client can be asked`);
      inputResponses[key] = await ask({ method: request.method, params: request.params }, signal);
    }
    input = { inputResponses, requestState: asked.requestState };
  }
  throw new ProtocolError(ProtocolErrorCode.InternalError, `the peer asked for input more than ${MAX_INPUT_ROUNDS} times; the call is given up`);
}
