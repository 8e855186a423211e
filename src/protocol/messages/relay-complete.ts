// A relayed completion/complete (docs/protocol.md, "Relayed completions"): a client at the consumer
// asks for the values an argument of a peer's shared prompt or resource template may take, and the
// item's origin asks its upstream. One sealed request, one sealed answer; nothing is recorded.
import { z } from "zod";
import { itemKey } from "../registry/shared-items.ts";
import { callError } from "./relay.ts";

/** MCP caps a completion's values at 100. */
export const MAX_COMPLETION_VALUES = 100;
/** Arguments already filled in that a request may carry as context. */
export const MAX_CONTEXT_ARGUMENTS = 32;
const name = z.string().min(1).max(256);
const value = z.string().max(2048);

const common = {
  type: z.literal("complete"),
  /** The argument being completed and what the client typed so far. */
  argument: z.strictObject({ name, value }),
  /** Values of the item's other arguments, as the client gave them. */
  context: z
    .strictObject({
      arguments: z.record(name, value).refine((a) => Object.keys(a).length <= MAX_CONTEXT_ARGUMENTS, `at most ${MAX_CONTEXT_ARGUMENTS} arguments`),
    })
    .optional(),
  /** The principal at the consumer that asked: for the provider's policy and audit. */
  relayedFor: z.string().max(256).optional(),
};

export const completeRequest = z.union([
  z.strictObject({ kind: z.literal("prompt"), key: itemKey.prompt, ...common }),
  z.strictObject({ kind: z.literal("resource-template"), key: itemKey["resource-template"], ...common }),
]);
export type CompleteRequest = z.infer<typeof completeRequest>;

export const completeReply = z.union([
  z.strictObject({
    ok: z.literal(true),
    /** MCP's CompleteResult["completion"], as the provider's upstream answered it. */
    completion: z.strictObject({
      values: z.array(value).max(MAX_COMPLETION_VALUES),
      total: z.number().int().min(0).optional(),
      hasMore: z.boolean().optional(),
    }),
  }),
  z.strictObject({ ok: z.literal(false), error: callError }),
]);
export type CompleteReply = z.infer<typeof completeReply>;
