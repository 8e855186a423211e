// Counters of federation traffic turned away before or instead of the work it asked for, per
// process or isolate, by reason: the operator's view of floods (GET /admin/federation/refusals).
// Envelope refusals (bad signatures, replays) are answered and logged, not counted here.

export const FEDERATION_REFUSALS = [
  /** Over FEDERATION_RATE_PER_SOURCE from one client address. */
  "source_rate",
  /** Over HELLO_RATE_PER_SOURCE from one client address. */
  "hello_source_rate",
  /** Over FEDERATION_RATE_PER_SENDER from one authenticated node. */
  "sender_rate",
  /** The acceptance policy refused a hello. */
  "hello_policy",
  /** MAX_PENDING_PEERS strangers are waiting already. */
  "hello_pending_full",
  /** The card's URL did not serve the sender's card. */
  "hello_url_unconfirmed",
  /** A peer's resources/updated for a resource this node holds no subscription to there. */
  "resource_update_unheld",
] as const;
export type FederationRefusal = (typeof FEDERATION_REFUSALS)[number];

export class FederationRefusals {
  #counts = Object.fromEntries(FEDERATION_REFUSALS.map((r) => [r, 0])) as Record<FederationRefusal, number>;

  /** `onCount` also tells the node's metrics, which add up every process's. */
  constructor(private readonly onCount: (reason: FederationRefusal) => void = () => {}) {}

  count(reason: FederationRefusal): void {
    this.#counts[reason]++;
    this.onCount(reason);
  }

  snapshot(): Record<FederationRefusal, number> {
    return { ...this.#counts };
  }
}
