// Trust mass to a score in [0, 1]. Mass is a share of this node's trust, so it shrinks as the
// federation grows; the score measures it instead in units of what one full-weight edge from this
// node carries, so that tiers mean the same in a federation of ten nodes or of ten thousand.

/** Units at which the score is one half: a direct peer with a full-weight edge scores 2/3. */
export const HALF_SCORE_UNITS = 0.5;

/** The score of a node holding `mass`, where `unit` is the mass one full-weight edge from this node carries. */
export function scoreOf(mass: number, unit: number): number {
  if (!(mass > 0) || !(unit > 0)) return 0;
  const x = mass / unit;
  return x / (x + HALF_SCORE_UNITS);
}
