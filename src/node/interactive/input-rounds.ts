// One request of a 2026-07-28 client that may need the person's input (multi round-trip
// requests): the client gets an input_required result with the questions and a sealed
// requestState; the retry carries the answers and the state back, and gets the next questions or
// the result. A 2026-07-28 upstream's questions are passed through; an old-era upstream's call is
// started on the first try and held here between rounds.
import type { Caller } from "../access/principals/caller.ts";
import { canAnswer, clientAnswers, declares, type Ask, type InputRequest, type Interaction, type InteractiveCapabilities } from "./input-requests.ts";
import { passedRound, type ClientInput, type PassedInputRequired } from "./passed-rounds.ts";
import { RequestStateError, type BoundRequest, type RequestStateSeal } from "./request-state.ts";
import type { SuspendedCalls, Turn } from "./suspended-calls.ts";

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

/** How one request reaches its upstream, for either way its rounds may go. */
export interface RoundRoutes<R> {
  /** The upstream's name: a passed state goes back to it only. */
  upstream: string;
  /** Runs the request with the client's input; a 2026-07-28 upstream's input_required comes back as it is. */
  passed: (input: ClientInput) => Promise<R | PassedInputRequired>;
  /** Where the call may be held (a tools/call): an old-era upstream asks through server-initiated requests. */
  held?: {
    /** Whether the upstream speaks 2026-07-28 (asked only when a call could be held). */
    speaksModern: () => Promise<boolean>;
    run: (interaction: Interaction, signal: AbortSignal) => Promise<R>;
  };
}

/**
 * One round of a 2026-07-28 client's request that an upstream may answer with questions. A
 * 2026-07-28 upstream's questions pass through statelessly (passed-rounds.ts); an old-era upstream's
 * call is held in this process while the client answers, where the platform can hold one.
 */
export async function withInputRounds<R extends object>(
  s: InputRoundPorts & { platform: { requestScopedIo?: boolean | undefined } },
  caller: Caller,
  request: { method: string; params: Record<string, unknown> | undefined },
  capabilities: InteractiveCapabilities,
  routes: RoundRoutes<R>,
): Promise<R | InputRequiredResult | PassedInputRequired> {
  const bound = { ...request, principal: caller.id };
  const state = request.params?.requestState;
  // A state that fails its checks (RequestStateError) stops here: nothing is looked up, resumed or sent.
  const claims = state === undefined ? undefined : await s.requestStates.open(state, bound);
  const answers = clientAnswers(request.params?.inputResponses);
  if (claims && "call" in claims) {
    // Only a tools/call is ever held; any other request's state names no call.
    if (!routes.held) throw new RequestStateError("bind");
    return heldTurn(s, bound, await s.heldCalls.resume<R>(claims.call, claims.round, caller.id, answers ?? {}));
  }
  // Holding an upstream call past its request needs I/O that outlives the request: not on Workers.
  const held = routes.held;
  if (!claims && held && canAnswer(capabilities) && !s.platform.requestScopedIo && !(await held.speaksModern())) {
    const run = held.run;
    return heldTurn(s, bound, await s.heldCalls.start<R>(caller.id, (ask, signal) => run({ capabilities, ask: guardedAsk(capabilities, ask) }, signal)));
  }
  return passedRound(s.requestStates, bound, routes.upstream, claims, { capabilities, inputResponses: answers }, routes.passed);
}

async function heldTurn<R>(s: InputRoundPorts, bound: BoundRequest, turn: Turn<R>): Promise<R | InputRequiredResult> {
  if (turn.kind === "done") return turn.result;
  return {
    resultType: "input_required",
    inputRequests: turn.requests,
    requestState: await s.requestStates.seal({ call: turn.call, round: turn.round }, bound),
  };
}
