// The checkpoint message of mcpfed/1 (protocol §6.10): a node hands its peer a checkpoint it
// signed over records the two share, with the ids of the records in leaf order. The checkpoint is
// left `unknown` here and verified by verifyCheckpoint, so a bad one gets its own verdict.
import { z } from "zod";
import { MAX_CHECKPOINT_LEAVES } from "../ledger/checkpoint.ts";

const recordId = z.string().regex(/^[0-9a-f]{64}$/);

export const ledgerCheckpointRequest = z.strictObject({
  type: z.literal("ledger-checkpoint"),
  checkpoint: z.unknown(),
  /** The records covered, in leaf order: as many as the checkpoint's size, each once. */
  ids: z
    .array(recordId)
    .min(1)
    .max(MAX_CHECKPOINT_LEAVES)
    .refine((ids) => new Set(ids).size === ids.length, { message: "each id once" }),
});
export type LedgerCheckpointRequest = z.infer<typeof ledgerCheckpointRequest>;

/**
 * `covered`: the receiver rebuilt the root from its own copies and stored the checkpoint.
 * `missing`: it lacks the records `missing` names; it keeps the checkpoint as the signer's claim.
 * `root_mismatch`: its copies give another root; it keeps the checkpoint as evidence, flagged.
 * `refused`: not stored; `reason` says why (malformed, bad_checkpoint_signature, not_a_party,
 * size_mismatch, fork: another checkpoint of this seq is held).
 */
export const ledgerCheckpointReply = z.strictObject({
  verdict: z.enum(["covered", "missing", "root_mismatch", "refused"]),
  reason: z.string().max(64).optional(),
  missing: z.array(recordId).max(MAX_CHECKPOINT_LEAVES),
});
export type LedgerCheckpointReply = z.infer<typeof ledgerCheckpointReply>;
