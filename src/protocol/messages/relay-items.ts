// The relay's requests for a peer's shared resource or prompt (docs/protocol.md, "Relayed reads"):
// a resources/read or prompts/get travels to the item's origin as a tool call does, on the same
// call route, and is answered by the same frames (relay.ts), with the upstream's result and a receipt.
import { z } from "zod";
import { itemKey } from "../registry/shared-items.ts";
import { callInput, callRequest, inputCapabilities, MAX_COUNTERSIGNED, MAX_TIMEOUT_MS } from "./relay.ts";

const common = {
  /** A SignedIntent naming the item's `<origin>/<key>` and fingerprint; its request hash covers {name: uri or prompt name, arguments}. */
  intent: z.unknown(),
  timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS),
  countersigned: z.array(z.unknown()).max(MAX_COUNTERSIGNED),
  relayedFor: z.string().max(256).optional(),
  /** What the client behind the request can answer ("relay-passed-input"): the upstream may ask it. */
  capabilities: inputCapabilities.optional(),
  /** A retry of a request answered with input requests ("relay-passed-input"). */
  input: callInput.optional(),
};

/** resources/read of a shared resource (its URI), or of a URI a shared template matches. */
export const readRequest = z.union([
  z.strictObject({ type: z.literal("read"), kind: z.literal("resource"), key: itemKey.resource, uri: z.string().min(1).max(2048), ...common }),
  z.strictObject({ type: z.literal("read"), kind: z.literal("resource-template"), key: itemKey["resource-template"], uri: z.string().min(1).max(2048), ...common }),
]);
export type ReadRequest = z.infer<typeof readRequest>;

/** prompts/get of a shared prompt, with the prompt's string arguments. */
export const promptRequest = z.strictObject({
  type: z.literal("prompt"),
  key: itemKey.prompt,
  arguments: z.record(z.string(), z.string()).optional(),
  ...common,
});
export type PromptRequest = z.infer<typeof promptRequest>;

/** Everything the call route takes. */
export const relayRequest = z.union([callRequest, readRequest, promptRequest]);
export type RelayRequest = z.infer<typeof relayRequest>;
