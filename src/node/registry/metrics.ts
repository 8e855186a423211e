// Counters for what the registry did with the entries it was offered, per isolate. Every
// rejection is counted by reason, so an operator can tell a forger from a skewed clock.
import { REJECTION_REASONS, type RejectionReason } from "../../protocol/registry/admission.ts";


/**
 * What happened to a valid entry: stored, already held, beaten by the held one, a tombstone past
 * its TTL, or not kept under partial synchronization (REGISTRY_SYNC=partial).
 */
export type Outcome = "stored" | "duplicate" | "superseded" | "expired" | "unkept";

export interface MetricsSnapshot {
  outcomes: Record<Outcome, number>;
  rejected: Record<RejectionReason, number>;
}

export class RegistryMetrics {
  #outcomes: Record<Outcome, number> = { stored: 0, duplicate: 0, superseded: 0, expired: 0, unkept: 0 };
  #rejected = Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<RejectionReason, number>;

  outcome(o: Outcome): void {
    this.#outcomes[o]++;
  }

  rejected(reason: RejectionReason): void {
    this.#rejected[reason]++;
  }

  snapshot(): MetricsSnapshot {
    return { outcomes: { ...this.#outcomes }, rejected: { ...this.#rejected } };
  }
}
