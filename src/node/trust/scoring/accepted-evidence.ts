// A node's accepted evidence: what others lend it, each giver counted by how far it is an accepted
// observer. The engine's walk ranks nodes by their distance from this node (its mass falls about
// tenfold a hop), while what observers report of a node follows its conduct; the accepted evidence orders
// nodes by the latter, inside the tier the walk gives them.
//
// Whether a giver is accepted comes from a SybilRank pass (Cao et al. 2012): trust starts at this
// node, its seeds and its direct peers and is propagated for only ⌈log2 n⌉ steps. By then the
// honest region holds about its fair share, while a region behind a few attack edges has received
// far less than what is lent to its identities would claim. An observer holding, per unit lent to
// it, the typical share or more counts fully; one holding a tenth counts a tenth. A node lends at
// most one unit of accepted evidence in total (what its edges lend, over max(1, their sum)), so
// identities multiplied behind an edge cannot multiply what they lend.
//
// Each step a node divides what it holds equally among the nodes it lends to, as SybilRank divides
// it among a node's links: split by weight, a full vouch an honest node was fooled into would carry
// several times the share of each of its honest assertions into the region behind it.

/** Rows of the trust graph by node index, as the engine holds them. */
export interface LendingGraph {
  /** Per node, its out-edges' targets and what each lends (kinds combined, at most 1): the pass follows the edges, the normalization weighs what they lend. */
  to: readonly Int32Array[];
  lent: readonly Float64Array[];
  /** Per node, the share of its trust its own penalty leaves it: 1 − penalty. */
  keep: readonly number[];
  /** Where the pass starts, in equal shares; they count as observers by what their penalty leaves them. */
  starts: readonly number[];
}

/**
 * Per node, what the pass brought it per unit lent to it, over the typical share, before its own
 * penalty: its acceptance follows from this and its penalty (`acceptanceOf`), so that a penalty
 * set between two passes takes effect at once.
 */
export function standing(g: LendingGraph): number[] {
  const n = g.to.length;
  const into = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    const to = g.to[u]!;
    const w = g.lent[u]!;
    for (let k = 0; k < to.length; k++) into[to[k]!]! += w[k]!;
  }
  let mass = new Float64Array(n);
  let next = new Float64Array(n);
  for (const s of g.starts) mass[s]! += 1 / g.starts.length;
  const steps = Math.ceil(Math.log2(Math.max(2, n)));
  for (let step = 0; step < steps; step++) {
    next.fill(0);
    for (let u = 0; u < n; u++) {
      const m = mass[u]!;
      if (m === 0) continue;
      const to = g.to[u]!;
      // A node that lends nothing keeps what it holds, as SybilRank's walk stays at a dead end.
      if (to.length === 0) {
        next[u]! += m;
        continue;
      }
      const share = (m * g.keep[u]!) / to.length;
      for (let k = 0; k < to.length; k++) next[to[k]!]! += share;
    }
    [mass, next] = [next, mass];
  }
  const received = new Float64Array(n);
  const perUnit = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    received[u] = mass[u]! / Math.max(into[u]!, 1);
    mass[u]! *= g.keep[u]!;
    perUnit[u] = mass[u]! / Math.max(into[u]!, 1);
  }
  const fair = typicalHolding(mass, perUnit);
  const out = new Array<number>(n).fill(0);
  if (fair > 0) for (let u = 0; u < n; u++) out[u] = received[u]! / fair;
  return out;
}

/**
 * How far a node counts as an observer, in [0, 1]: a start of the pass (this node, a seed, a direct
 * peer) by what its penalty leaves it, any other node by its standing times that, at most 1.
 */
export function acceptanceOf(standing: number, keep: number, start: boolean): number {
  return start ? keep : Math.min(1, standing * keep);
}

/**
 * What a node holds per unit lent to it, at the median of the held mass: half the pass's mass sits
 * at nodes holding at least this much. A mean over nodes would fall with every identity a region
 * adds (each claiming in-weight for itself); weighted by mass, a region counts only by the mass
 * it got, which the few edges into it bound.
 */
function typicalHolding(mass: Float64Array, perUnit: Float64Array): number {
  const order = [...perUnit.keys()].filter((u) => mass[u]! > 0).sort((a, b) => perUnit[b]! - perUnit[a]!);
  let total = 0;
  for (const u of order) total += mass[u]!;
  let acc = 0;
  for (const u of order) {
    acc += mass[u]!;
    if (acc >= total / 2) return perUnit[u]!;
  }
  return 0;
}

/**
 * A score that keeps the walk's tier (the thresholds in `levels`, ascending in (0, 1)) and is
 * placed inside it by accepted evidence: at the tier's floor with none, half way up with one unit (one
 * full-weight edge from an accepted observer that lends no more than that in total).
 */
export function placeInTier(walk: number, evidence: number, levels: readonly number[]): number {
  let floor = 0;
  let ceiling = levels[0] ?? 1;
  for (let i = 0; i < levels.length && walk >= levels[i]!; i++) {
    floor = levels[i]!;
    ceiling = levels[i + 1] ?? 1;
  }
  const s = evidence > 0 ? evidence : 0;
  return floor + (ceiling - floor) * (s / (s + 1));
}
