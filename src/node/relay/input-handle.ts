// The request state a consumer gives its client for a relayed round that did not complete: the
// provider's own state, prefixed with the provider's node id so that the client's retry goes back
// to that provider. The consumer keeps nothing; the provider's state protects itself, and a
// prefix changed to another node only sends the retry to a node that refuses it.
import { PASSED_INPUT_FEATURE, type CallInput } from "../../protocol/messages/relay.ts";

const SEPARATOR = ".";
const NODE_ID = /^[a-z2-7]{1,128}$/;

export function stateForClient(provider: string, providerState: string): string {
  return `${provider}${SEPARATOR}${providerState}`;
}

/** The provider a client's state names, or undefined when it is not one this node gave out. */
export function providerOfState(state: string): string | undefined {
  const at = state.indexOf(SEPARATOR);
  const node = at > 0 ? state.slice(0, at) : "";
  return NODE_ID.test(node) ? node : undefined;
}

/** The provider's part of a client's state. */
function providerStateOf(state: string): string {
  return state.slice(state.indexOf(SEPARATOR) + 1);
}

/**
 * The client's input as the provider takes it: its own state without the prefix, or answers
 * without a state to a peer that agreed on "relay-passed-input"; an older peer gets none.
 */
export function relayedInput(input: CallInput, features: readonly string[]): CallInput | undefined {
  if (input.requestState !== undefined) return { ...input, requestState: providerStateOf(input.requestState) };
  return features.includes(PASSED_INPUT_FEATURE) ? input : undefined;
}
