// What a third party checks to settle a dispute from the records alone (protocol §8.9): a
// confirmed record, and under the checkpoint suite each party's checkpoint covering its content
// with the inclusion path of its leaf. Nothing else is trusted: not the node that hands the proof
// over, nor any database.
import { z } from "zod";
import { checkpointBody, includes, verifyCheckpoint, type CheckpointVerdict } from "./checkpoint.ts";
import { record } from "./record.ts";
import { verifyRecord, type LedgerVerifier, type Verdict } from "./signing.ts";
import { suiteOf } from "./suite.ts";

export const coverage = z.strictObject({
  checkpoint: z.strictObject({ checkpoint: checkpointBody, sig: z.string() }),
  index: z.number().int().min(0),
  path: z.array(z.string()).max(64),
});

export const recordProof = z.strictObject({
  record,
  /** One per party under the checkpoint suite (either order); none needed under the composite suite. */
  checkpoints: z.array(coverage).max(2),
});
export type RecordProof = z.infer<typeof recordProof>;

/**
 * "post_quantum_final": both parties signed the record and both signed its content with ML-DSA
 * (in the record itself under the composite suite, in a checkpoint under the checkpoint suite).
 * "confirmed": both signed, classically only, and no complete pair of checkpoints was given.
 * Otherwise the reason the proof fails.
 */
export type ProofVerdict =
  | "post_quantum_final"
  | "confirmed"
  | Exclude<Verdict, "valid">
  | Exclude<CheckpointVerdict, "valid">
  | "checkpoint_not_of_parties"
  | "path_does_not_verify";

export async function verifyRecordProof(verifier: LedgerVerifier, input: unknown): Promise<ProofVerdict> {
  const parsed = recordProof.safeParse(input);
  if (!parsed.success) return "malformed";
  const { record: r, checkpoints } = parsed.data;
  const verdict = await verifyRecord(verifier, r);
  if (verdict !== "valid") return verdict;
  if (suiteOf(r.intent) === "composite") return "post_quantum_final";
  const covered = new Set<string>();
  for (const c of checkpoints) {
    const checked = await verifyCheckpoint(verifier, c.checkpoint);
    if (checked.verdict !== "valid") return checked.verdict;
    const { signer, peer } = checked.checkpoint.checkpoint;
    const parties = [r.intent.consumer, r.intent.provider];
    if (!parties.includes(signer) || !parties.includes(peer)) return "checkpoint_not_of_parties";
    if (!includes(checked.checkpoint.checkpoint, r, c.index, c.path)) return "path_does_not_verify";
    covered.add(signer);
  }
  return covered.size === 2 ? "post_quantum_final" : "confirmed";
}
