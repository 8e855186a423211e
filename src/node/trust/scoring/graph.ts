// The trust graph the scoring engine reads: who lends trust to whom, by which kind of evidence,
// and which nodes are discredited. Built by the node from its evidence (src/node/trust/evidence);
// pure data here, so the engine runs the same in the node, in tests and in the simulator.

export type EdgeKind = "vouch" | "interaction" | "assertion";

export const EDGE_KINDS: readonly EdgeKind[] = ["vouch", "interaction", "assertion"];

/**
 * How much of a node's trust one unit of edge weight lends, by kind. Co-signed interactions are
 * evidence both parties signed; a vouch or an assertion is one party's claim, so it lends less.
 */
export const KIND_FACTOR: Readonly<Record<EdgeKind, number>> = { interaction: 1, vouch: 0.5, assertion: 0.25 };

export interface TrustEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** In (0, 1], decayed already; 0 removes the edge. */
  weight: number;
}

export interface TrustGraph {
  self: string;
  seeds: readonly string[];
  edges: readonly TrustEdge[];
  /** node → [0, 1], 1 = fully discredited. */
  penalties: ReadonlyMap<string, number>;
}

/** A graph value the engine refuses: a weight or penalty outside [0, 1], a kind it does not know, an empty id. */
export class TrustInputError extends RangeError {
  override readonly name = "TrustInputError";
}

export function checkEdge(e: TrustEdge): void {
  if (typeof e.from !== "string" || e.from === "" || typeof e.to !== "string" || e.to === "") throw new TrustInputError("a trust edge needs two node ids");
  if (!EDGE_KINDS.includes(e.kind)) throw new TrustInputError(`unknown trust edge kind "${String(e.kind)}"`);
  if (!Number.isFinite(e.weight) || e.weight < 0 || e.weight > 1) throw new TrustInputError(`trust edge weight ${e.weight} is not in [0, 1]`);
}

export function checkPenalty(node: string, penalty: number): void {
  if (node === "") throw new TrustInputError("a penalty needs a node id");
  if (!Number.isFinite(penalty) || penalty < 0 || penalty > 1) throw new TrustInputError(`penalty ${penalty} is not in [0, 1]`);
}
