// Feature activation by adoption (docs/protocol.md §20.5): a pending feature is advertised in a
// node's card features like any other, but used only once enough of the public nodes a node
// knows, weighted by its trust in them, advertise it too; and then only with peers that do.

export interface PendingFeature {
  feature: string;
  /** The weighted share of known public nodes advertising it, in (0, 1], at which it turns on. */
  threshold: number;
  /** Once on, it turns off only below threshold − hysteresis, so a share hovering at the threshold does not flap. */
  hysteresis: number;
}

export interface KnownCard {
  features: readonly string[];
  /** This node's trust in the card's node, in [0, 1]. */
  trust: number;
}

/** The weight of a node of that trust: never below the floor, so unknown nodes still count a little. */
export function weightOf(trust: number, floor: number): number {
  return Math.max(floor, Math.min(1, trust));
}

/** The trust-weighted share of the cards that advertise the feature; 0 when no card is known. */
export function adoption(feature: string, cards: readonly KnownCard[], floor: number): number {
  let all = 0;
  let adopting = 0;
  for (const c of cards) {
    const w = weightOf(c.trust, floor);
    all += w;
    if (c.features.includes(feature)) adopting += w;
  }
  return all === 0 ? 0 : adopting / all;
}

/** Whether a pending feature is on, given its adoption now and whether it was on before. */
export function isActive(pending: PendingFeature, share: number, wasActive: boolean): boolean {
  return wasActive ? share >= pending.threshold - pending.hysteresis : share >= pending.threshold;
}

/** Whether to use a feature with a peer: on here (or not pending at all) and advertised by the peer. */
export function usableWith(feature: string, peerFeatures: readonly string[], active: ReadonlySet<string>, pending: readonly PendingFeature[]): boolean {
  if (!peerFeatures.includes(feature)) return false;
  return !pending.some((p) => p.feature === feature) || active.has(feature);
}
