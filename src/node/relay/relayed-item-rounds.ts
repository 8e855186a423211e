// A relayed prompts/get or resources/read that carries a 2026-07-28 client's capabilities or input
// ("relay-passed-input"): as at one hop, the input passes to a 2026-07-28 upstream and the
// upstream's input_required comes back, its state sealed inside this node's and bound to the peer
// (its principal) and to the item and request, so a state issued to another node does not open.
import type { Caller } from "../access/principals/caller.ts";
import { withInputRounds, type InputRoundPorts } from "../interactive/input-rounds.ts";
import { isPassedInputRequired, type ClientInput, type PassedInputRequired } from "../interactive/passed-rounds.ts";
import type { InputRequired } from "../../protocol/messages/relay.ts";
import type { PromptRequest, ReadRequest } from "../../protocol/messages/relay-items.ts";
import { relayedInputRequired, relayInputErrorOf } from "./relayed-rounds.ts";

export async function relayedItemRequest<R extends object>(
  s: InputRoundPorts & { platform: { requestScopedIo?: boolean | undefined } },
  caller: Caller,
  request: ReadRequest | PromptRequest,
  upstream: string,
  run: (input: ClientInput | undefined) => Promise<R | PassedInputRequired>,
): Promise<{ result: R } | { inputRequired: InputRequired }> {
  if (!request.input && !request.capabilities) return { result: (await run(undefined)) as R };
  const method = request.type === "read" ? "resources/read" : "prompts/get";
  const target = request.type === "read" ? { key: request.key, uri: request.uri } : { key: request.key, arguments: request.arguments ?? {} };
  const input = request.input;
  const params = { ...target, ...(input ? { inputResponses: input.inputResponses ?? {}, ...(input.requestState !== undefined ? { requestState: input.requestState } : {}) } : {}) };
  let out;
  try {
    // No held route: an old-era upstream asks nothing during a read or a prompt.
    out = await withInputRounds(s, caller, { method, params }, request.capabilities ?? {}, { upstream, passed: run });
  } catch (err) {
    throw relayInputErrorOf(err);
  }
  return isPassedInputRequired(out) ? { inputRequired: relayedInputRequired(out) } : { result: out as R };
}
