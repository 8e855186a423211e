// Evidence to weights: what this node saw of a peer (decayed counts) becomes the weight of its
// interaction edge to that peer and a penalty. Pure functions; the node keeps the counts.

export interface InteractionCounts {
  /** Ledger records both parties signed. */
  confirmed: number;
  /** Records either party flagged. */
  disputed: number;
  /** Relayed calls this node saw succeed or fail (one-sided: this node's own observation). */
  succeeded: number;
  failed: number;
  /** Envelopes or channel messages from the peer this node refused. */
  refusals: number;
  /** Share of pings, hellos and ticks answered, in [0, 1]; 1 when not measured yet. */
  uptime: number;
}

/**
 * Evidence for half the weight a peer can earn: 15 co-signed records with good service. Three
 * records (weight 0.2) lift a stranger to the first tier above the lowest ("known" at 0.25 by default),
 * two do not; one record plus a vouch from a trusted node does.
 */
const EVIDENCE_HALF = 15;
/** A success this node saw alone counts for a quarter of a record both parties signed. */
const ONE_SIDED = 0.25;
/** A disputed record outweighs four confirmed ones. */
const DISPUTE_WEIGHT = 4;

const count = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);
const unit = (n: number) => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0);

/** The weight of this node's interaction edge to a peer, in [0, 1]; 0 = no edge (nothing positive seen). */
export function interactionWeight(c: InteractionCounts): number {
  const positive = count(c.confirmed) + ONE_SIDED * count(c.succeeded);
  if (positive === 0) return 0;
  const negative = DISPUTE_WEIGHT * count(c.disputed) + count(c.failed) + 0.5 * count(c.refusals);
  const evidence = positive / (positive + EVIDENCE_HALF);
  const quality = (positive + 1) / (positive + negative + 1);
  const availability = 0.5 + 0.5 * unit(c.uptime);
  return evidence * quality * availability;
}

/** How far a peer is discredited by what this node saw, in [0, 1]: disputes, failures, refusals, prolonged unavailability. */
export function interactionPenalty(c: InteractionCounts): number {
  const confirmed = count(c.confirmed);
  const disputed = count(c.disputed);
  const failed = count(c.failed);
  const fine = confirmed + count(c.succeeded);
  const disputes = disputed / (disputed + confirmed + 2);
  const failures = (0.5 * failed) / (failed + fine + 4);
  const refusals = count(c.refusals) / (count(c.refusals) + fine + 10);
  const down = 1 - unit(c.uptime);
  const unavailable = 0.5 * down * down;
  return 1 - (1 - disputes) * (1 - failures) * (1 - refusals) * (1 - unavailable);
}

/** `value` halved every `halfLifeDays`; evidence from the future (clock skew) is not amplified. */
export function decay(value: number, ageSeconds: number, halfLifeDays: number): number {
  if (!Number.isFinite(value) || !(halfLifeDays > 0)) return 0;
  if (!(ageSeconds > 0)) return value;
  return value * 2 ** (-ageSeconds / (halfLifeDays * 86_400));
}
