// One request of a 2026-07-28 client that may need the person's input (multi round-trip
// requests): the first try starts the upstream call; while it waits for an answer the client gets
// an input_required result with the questions and a sealed requestState; the retry carries the
// answers and the state back, and gets the next questions or the result.
import type { Caller } from "../access/principals/caller.ts";
import { declares, inputResponses, type Ask, type InputRequest, type Interaction, type InteractiveCapabilities } from "./input-requests.ts";
import type { RequestStateSeal } from "./request-state.ts";
import type { SuspendedCalls } from "./suspended-calls.ts";

export interface InputRoundPorts {
  requestStates: RequestStateSeal;
  heldCalls: SuspendedCalls;
}

export interface InputRequiredResult {
  resultType: "input_required";
  inputRequests: Record<string, InputRequest>;
  requestState: string;
  [key: string]: unknown;
}

/** The retry's inputResponses are not a map of result objects. */
export class InputResponsesError extends Error {
  override name = "InputResponsesError";
}

/** What an upstream asked that the client never declared: answered to the upstream as -32601. */
export class UndeclaredCapabilityError extends Error {
  override name = "UndeclaredCapabilityError";
  readonly code = -32601;
  constructor(method: string) {
    super(`Method not found: the client did not declare the capability ${method} needs`);
  }
}

/** Passes an upstream's question on only when the client declared it can answer. */
export function guardedAsk(caps: InteractiveCapabilities, ask: Ask): Ask {
  return (request, signal) => (declares(caps, request) ? ask(request, signal) : Promise.reject(new UndeclaredCapabilityError(request.method)));
}

export async function withInputRounds<R>(
  s: InputRoundPorts,
  caller: Caller,
  request: { method: string; params: Record<string, unknown> | undefined },
  capabilities: InteractiveCapabilities,
  run: (interaction: Interaction, signal: AbortSignal) => Promise<R>,
): Promise<R | InputRequiredResult> {
  const bound = { ...request, principal: caller.id };
  const state = request.params?.requestState;
  let turn;
  if (state === undefined) {
    turn = await s.heldCalls.start<R>(caller.id, (ask, signal) => run({ capabilities, ask: guardedAsk(capabilities, ask) }, signal));
  } else {
    // A state that fails its checks (RequestStateError) stops here: nothing is looked up or resumed.
    const claims = await s.requestStates.open(state, bound);
    const answers = inputResponses.safeParse(request.params?.inputResponses ?? {});
    if (!answers.success) throw new InputResponsesError("inputResponses must map each key to a result object");
    turn = await s.heldCalls.resume<R>(claims.call, claims.round, caller.id, answers.data);
  }
  if (turn.kind === "done") return turn.result;
  return {
    resultType: "input_required",
    inputRequests: turn.requests,
    requestState: await s.requestStates.seal({ call: turn.call, round: turn.round }, bound),
  };
}
