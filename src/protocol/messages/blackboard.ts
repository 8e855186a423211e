// The blackboard's federation message (protocol §17.6), POST /federation/v1/blackboard: a push of
// new deltas with the descriptors of their namespaces, and the two steps of a namespace's repair
// (range-based reconciliation over (hlc, delta hash), then a transfer of what either side lacks).
// Deltas and descriptors stay `unknown` here and are checked one by one: a bad one costs itself.
import { z } from "zod";
import { namespaceName } from "../blackboard/delta.ts";

/** Deltas per push or transfer, and hash prefixes asked for per transfer. */
export const MAX_PUSH_DELTAS = 256;
export const MAX_PUSH_NAMESPACES = 16;
export const MAX_BLACKBOARD_WANT = 1024;

const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/);

export const blackboardRequest = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("push"),
    descriptors: z.array(z.unknown()).max(MAX_PUSH_NAMESPACES),
    deltas: z.array(z.unknown()).max(MAX_PUSH_DELTAS),
  }),
  z.strictObject({ type: z.literal("reconcile"), namespace: namespaceName, descriptor: z.unknown(), message: base64url.max(2 * 1024 * 1024) }),
  z.strictObject({
    type: z.literal("transfer"),
    namespace: namespaceName,
    deltas: z.array(z.unknown()).max(MAX_PUSH_DELTAS),
    want: z.array(z.string().regex(/^(?:[0-9a-f]{2}){8,32}$/)).max(MAX_BLACKBOARD_WANT),
  }),
]);
export type BlackboardRequest = z.infer<typeof blackboardRequest>;

/** Why a delta or descriptor was not stored: every refusal leaves the receiver's state as it was. */
export const REFUSAL_CODES = ["malformed", "oversize", "bad_signature", "unknown_writer", "not_a_replica", "unknown_namespace", "clock_ahead", "too_many_writers"] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];
export const refusal = z.strictObject({ of: z.enum(["descriptor", "delta"]), index: z.number().int().min(0), code: z.enum(REFUSAL_CODES) });
export type Refusal = z.infer<typeof refusal>;

export const pushReply = z.strictObject({ stored: z.number().int().min(0), refused: z.array(refusal).max(MAX_PUSH_DELTAS + MAX_PUSH_NAMESPACES) });
export type PushReply = z.infer<typeof pushReply>;

export const blackboardReconcileReply = z.strictObject({ message: base64url });
export type BlackboardReconcileReply = z.infer<typeof blackboardReconcileReply>;

export const transferReply = z.strictObject({
  stored: z.number().int().min(0),
  refused: z.array(refusal).max(MAX_PUSH_DELTAS),
  wanted: z.array(z.unknown()).max(MAX_BLACKBOARD_WANT),
});
export type TransferReply = z.infer<typeof transferReply>;
