// Which signatures a record carries (protocol §8.4). The original suite signs each part with the
// composite signature (ML-DSA-65 + Ed25519). The checkpoint suite signs each part with the Ed25519
// half of the same key only, and both parties later cover the record's content with a
// composite-signed Merkle checkpoint (checkpoint.ts): the per-call cost is classical, the
// post-quantum signature is amortized over many records. Both suites stay valid forever.

/** The intent's `suite` value for the checkpoint suite; an intent without `suite` is composite. */
export const CHECKPOINT_SUITE = "ed25519-checkpoint";

/** The feature (protocol §2) both cards must offer before a consumer signs under the checkpoint suite. */
export const CHECKPOINTS_FEATURE = "ledger-checkpoints";

export type Suite = "composite" | typeof CHECKPOINT_SUITE;

export function suiteOf(intent: { suite?: string | undefined }): Suite {
  return intent.suite === CHECKPOINT_SUITE ? CHECKPOINT_SUITE : "composite";
}

/** The suite a consumer signs under with a peer that agreed on `features`: undefined is composite. */
export function suiteFor(features: readonly string[]): typeof CHECKPOINT_SUITE | undefined {
  return features.includes(CHECKPOINTS_FEATURE) ? CHECKPOINT_SUITE : undefined;
}
