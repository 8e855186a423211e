// The federation messages of strong consistency (docs/protocol.md §17.8): a replica forwards a
// client's operation to the key's home, and the home appends each entry to the other replicas.
import { z } from "zod";
import { blackboardKey, namespaceName } from "../blackboard/delta.ts";
import { strongAck, strongEntry, strongOp } from "../blackboard/strong-log.ts";

/**
 * Creator → replica: a strong namespace's descriptor, so that every replica agrees on the replica
 * set (and so on each key's home) before the first operation. Checked by the receiver.
 */
export const strongNamespaceRequest = z.strictObject({ type: z.literal("blackboard-namespace"), descriptor: z.unknown() });
export const strongNamespaceResult = z.strictObject({ type: z.literal("blackboard-namespace"), stored: z.boolean() });

/** Home → replica: store this entry of the key's log and acknowledge it. */
export const strongAppendRequest = z.strictObject({ type: z.literal("blackboard-append"), entry: strongEntry });
export const strongAppendResult = z.union([
  z.strictObject({ type: z.literal("blackboard-ack"), ack: strongAck }),
  /** Not a replica's entry from the key's home, a bad signature, or older than the one stored. */
  z.strictObject({ type: z.literal("blackboard-refused"), code: z.enum(["not_home", "not_replica", "bad_signature", "stale"]), message: z.string().max(500) }),
]);

/** Replica → home: run a client's operation on a key of which the receiver is the home. */
export const strongForwardRequest = z.strictObject({ type: z.literal("blackboard-strong"), namespace: namespaceName, key: blackboardKey, op: strongOp });

const slot = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/**
 * The home's answer. `unavailable` says the operation took no effect (`applied: "no"`: no majority
 * acknowledged it, and it was dropped) or may have (`"unknown"`: the answer was lost on the way).
 */
export const strongOutcome = z.union([
  z.strictObject({ ok: z.literal(true), result: z.discriminatedUnion("op", [
    z.strictObject({ op: z.literal("read"), value: z.json().optional(), slot }),
    z.strictObject({ op: z.literal("write"), slot }),
    z.strictObject({ op: z.literal("delete"), slot }),
    z.strictObject({ op: z.literal("cas"), ok: z.boolean(), slot }),
  ]) }),
  z.strictObject({ ok: z.literal(false), error: z.enum(["unavailable", "not_home", "not_replica"]), applied: z.enum(["no", "unknown"]), message: z.string().max(500) }),
]);
export type StrongOutcome = z.infer<typeof strongOutcome>;
export const strongForwardResult = z.strictObject({ type: z.literal("blackboard-strong-result"), outcome: strongOutcome });
