// What a 2026-07-28 client's request carries for a peer: the capabilities it declared in the
// request's envelope and, on a retry, its answers and the state it was given, checked as the
// relay takes them. Answers without a state are a retry too: the upstream gets them as they are.
import { CLIENT_CAPABILITIES_META_KEY, PROTOCOL_VERSION_META_KEY, ProtocolError, ProtocolErrorCode, type ServerContext } from "@modelcontextprotocol/server";
import { canAnswer, interactiveCapabilities } from "../../node/interactive/input-requests.ts";
import { callInput, type CallInput, type InputCapabilities } from "../../protocol/messages/relay.ts";

export interface RelayedClientInput {
  /** Only when the client can answer something: otherwise the provider asks nothing. */
  capabilities?: InputCapabilities | undefined;
  input?: CallInput | undefined;
}

/** Undefined for a client of an older era, which carries neither. */
export function relayedClientInput(ctx: ServerContext): RelayedClientInput | undefined {
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  if (envelope[PROTOCOL_VERSION_META_KEY] === undefined) return undefined;
  const declared = interactiveCapabilities.safeParse(envelope[CLIENT_CAPABILITIES_META_KEY] ?? {});
  const requestState = ctx.mcpReq.requestState<unknown>();
  const inputResponses = ctx.mcpReq.inputResponses;
  let input;
  if (requestState !== undefined || inputResponses !== undefined) {
    const parsed = callInput.safeParse({ inputResponses: inputResponses ?? {}, ...(requestState !== undefined ? { requestState } : {}) });
    if (!parsed.success) throw new ProtocolError(ProtocolErrorCode.InvalidParams, "Invalid params: requestState and inputResponses are not a retry this node can relay", { type: "invalid_request_state" });
    input = parsed.data;
  }
  return { ...(declared.success && canAnswer(declared.data) ? { capabilities: declared.data } : {}), input };
}
