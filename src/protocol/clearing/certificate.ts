// The local half of the optimality certificate (docs/protocol.md §16, "The optimum and its
// certificate"): what one participant checks on its own edges of a proposed clearing. When every
// participant's check passes on the same signed edges, the clearing is a circulation within the
// capacities and the potentials satisfy complementary slackness everywhere, so it is a maximum.
//
// Convention (the one solver.ts returns): the reduced cost of clearing one more unit on an edge is
// −1 + p(debtor) − p(creditor), of clearing one unit less 1 − p(debtor) + p(creditor). Optimal iff
// neither can go below 0 where it is possible: flow < capacity ⇒ p(debtor) − p(creditor) ≥ 1, and
// flow > 0 ⇒ p(debtor) − p(creditor) ≤ 1.

export interface LocalEdge {
  debtor: string;
  creditor: string;
  capacity: number;
  flow: number;
  potentials: { debtor: number; creditor: number };
}

export type LocalVerdict = { ok: true } | { ok: false; reason: "unbalanced" | "over_capacity" | "not_optimal" | "inconsistent_potentials" };

/**
 * `node`'s check of its edges in a proposed clearing: every edge touches `node`, carries one and
 * the same potential for it, clears a safe integer within [0, capacity], is optimal by the reduced
 * costs above, and together they leave `node`'s net position unchanged (what it stops owing equals
 * what it stops being owed).
 */
export function checkLocal(node: string, edges: readonly LocalEdge[]): LocalVerdict {
  let own: number | undefined;
  let net = 0n; // exact, however many edges
  for (const e of edges) {
    if (e.debtor !== node && e.creditor !== node) return { ok: false, reason: "inconsistent_potentials" };
    const { debtor: pd, creditor: pc } = e.potentials;
    if (!Number.isSafeInteger(pd) || !Number.isSafeInteger(pc)) return { ok: false, reason: "inconsistent_potentials" };
    for (const p of [e.debtor === node ? pd : undefined, e.creditor === node ? pc : undefined]) {
      if (p === undefined) continue;
      if (own === undefined) own = p;
      else if (own !== p) return { ok: false, reason: "inconsistent_potentials" };
    }
    if (!Number.isSafeInteger(e.capacity) || !Number.isSafeInteger(e.flow) || e.flow < 0 || e.capacity < 0 || e.flow > e.capacity) {
      return { ok: false, reason: "over_capacity" };
    }
    const gap = pd - pc;
    if ((e.flow < e.capacity && gap < 1) || (e.flow > 0 && gap > 1)) return { ok: false, reason: "not_optimal" };
    if (e.creditor === node) net += BigInt(e.flow);
    if (e.debtor === node) net -= BigInt(e.flow);
  }
  if (net !== 0n) return { ok: false, reason: "unbalanced" };
  return { ok: true };
}
