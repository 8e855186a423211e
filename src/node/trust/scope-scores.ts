// Scoped vouches: "A vouches for B for <scope>" lends B trust for tools tagged <scope> only, not
// standing in general. For each scope worth it, the engine runs on the general graph plus that
// scope's vouches as ordinary vouch edges; a node the scope lifts above its general score gets that
// score for the scope. Being the same engine over a graph with more edges, a scope keeps the Sybil
// bound: a region's mass in a scope is at most (its attack edges, general and scoped into it) ×
// edgeCapacity / restart, whatever the identities inside vouch for each other in that scope.
// Only provider choice reads scoped scores (src/node/relay/consumer.ts): tiers, and so every
// privilege, stay on the general score.
import { decay } from "./scoring/evidence.ts";
import { TrustEngine, type EngineOptions } from "./scoring/engine.ts";
import type { TrustEdge, TrustGraph } from "./scoring/graph.ts";

/** Scopes computed per run at most, and nodes kept per scope. */
export const MAX_SCOPES = 8;
export const MAX_SCORED_PER_SCOPE = 1000;
/** A scope lifts a node when it raises the node's score by more than this. */
const LIFT = 1e-4;

export interface ScopedEdge {
  scope: string;
  edge: TrustEdge;
}

/** The live scoped vouches as edges, decayed as unscoped vouches are (src/node/trust/evidence.ts). */
export function scopedEdges(
  vouches: readonly { origin: string; subject: string; weight: number; scope?: string | undefined; signedAt: number }[],
  now: number,
  halfLifeDays: number,
): ScopedEdge[] {
  const out: ScopedEdge[] = [];
  for (const v of vouches) {
    if (v.scope === undefined || v.origin === v.subject) continue;
    const weight = Math.min(1, decay(v.weight / 100, now - v.signedAt, halfLifeDays));
    if (weight > 0) out.push({ scope: v.scope, edge: { from: v.origin, to: v.subject, kind: "vouch", weight } });
  }
  return out;
}

/**
 * The scopes worth a computation, at most MAX_SCOPES: those whose vouchers this node already
 * trusts, ranked by that trust times the vouches' weights. A scope whose vouchers all score 0
 * could lift nobody (no mass reaches its edges), so strangers minting scopes cost nothing here.
 */
export function scopesToScore(edges: readonly ScopedEdge[], general: ReadonlyMap<string, number>): string[] {
  const backing = new Map<string, number>();
  for (const { scope, edge } of edges) {
    const trust = general.get(edge.from) ?? 0;
    if (trust > 0) backing.set(scope, (backing.get(scope) ?? 0) + trust * edge.weight);
  }
  return [...backing]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_SCOPES)
    .map(([scope]) => scope);
}

/** The general graph with one scope's vouches added; where both vouch edges exist, the heavier. */
export function scopedGraph(graph: TrustGraph, scope: string, edges: readonly ScopedEdge[]): TrustGraph {
  const byKey = new Map(graph.edges.map((e) => [`${e.from}\n${e.to}\n${e.kind}`, e]));
  for (const { scope: s, edge } of edges) {
    if (s !== scope) continue;
    const key = `${edge.from}\n${edge.to}\n${edge.kind}`;
    const held = byKey.get(key);
    if (!held || held.weight < edge.weight) byKey.set(key, edge);
  }
  return { ...graph, edges: [...byKey.values()] };
}

/**
 * Per scope computed, the nodes it lifts above their general score (`general`, from the general
 * run over `graph`), with their score in the scope: the highest MAX_SCORED_PER_SCOPE.
 */
export function scopeScores(graph: TrustGraph, edges: readonly ScopedEdge[], general: ReadonlyMap<string, number>, options?: EngineOptions): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const scope of scopesToScore(edges, general)) {
    const engine = new TrustEngine(options);
    engine.full(scopedGraph(graph, scope, edges));
    const lifted = [...engine.scores()]
      .filter(([node, score]) => node !== graph.self && score > (general.get(node) ?? 0) + LIFT)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_SCORED_PER_SCOPE);
    if (lifted.length > 0) out.set(scope, new Map(lifted));
  }
  return out;
}
