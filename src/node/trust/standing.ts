// The port every privilege reads a node's standing through: its trust score and tier, as this
// node computed them (src/node/trust/scores). Privileges never see the evidence or the graph.
import type { Tier } from "./tiers.ts";

export interface Standing {
  node: string;
  /** In [0, 1]; 0 for a node this node knows nothing about. */
  score: number;
  tier: Tier;
}

export interface TrustStandings {
  /** The standing of one node; answers from an isolate cache on hot paths. */
  of(node: string): Promise<Standing>;
}

/** Provider choice's view: a node's score for a tool, with vouches scoped to its tags (src/node/trust/scope-scores.ts). */
export interface ScopedStandings {
  scoreFor(node: string, scopes: readonly string[]): Promise<number>;
}
