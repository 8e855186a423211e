// A per-identity bound on the trust walk, tried in the simulator and not adopted in the node
// (docs/benchmarks.md, "The per-identity bound"; docs/security.md, Limits): a node reaches a tier
// only when the trust flowing into it from this node, its seeds and the nodes accepted at the tier
// above (the top tier: the nodes accepted there, until nothing changes) would put it there, as
// Advogato accepts each level by that level's certifications. A node the walk puts at a tier it is
// not accepted at is held just below it. It keeps Sybils that only lend each other out of "known",
// and costs honest nodes their tier where they are reached only through nodes below "trusted".
//
// The flows are rebuilt here from the graph and the engine's masses with the engine's own rules
// (src/node/trust/scoring/engine.ts): `check` verifies them against the engine before use.
import type { TrustEngine } from "../../src/node/trust/scoring/engine.ts";
import { EDGE_KINDS, KIND_FACTOR, type TrustGraph } from "../../src/node/trust/scoring/graph.ts";
import { scoreOf } from "../../src/node/trust/scoring/normalization.ts";

/** The engine's parameters the flows depend on (its defaults for stake). */
export interface WalkParameters {
  restart: number;
  edgeCapacity: number;
  stake?: number;
}

/** How far below a level a node not accepted there is held. */
const HELD_BELOW = 1e-6;

/** The walk's flows at the engine's converged masses: what each node passes to each target per step. */
export class WalkFlows {
  readonly ids: string[] = [];
  readonly out = new Map<string, Map<string, number>>();
  readonly restartShare = new Map<string, number>();
  readonly #penalty = new Map<string, number>();
  readonly #walk = new Map<string, number>();

  constructor(graph: TrustGraph, readonly engine: TrustEngine, readonly p: WalkParameters) {
    const stake = p.stake ?? 0.5;
    const seeds = [...new Set(graph.seeds)].filter((s) => s !== graph.self && s !== "");
    this.restartShare.set(graph.self, seeds.length > 0 ? 0.5 : 1);
    for (const s of seeds) this.restartShare.set(s, 0.5 / seeds.length);
    const byPair = new Map<string, Map<string, number[]>>();
    const nodes = new Set<string>([graph.self, ...seeds]);
    for (const e of graph.edges) {
      if (e.from === e.to || e.to === graph.self || e.weight === 0) continue;
      nodes.add(e.from).add(e.to);
      let row = byPair.get(e.from);
      if (!row) byPair.set(e.from, (row = new Map()));
      let byKind = row.get(e.to);
      if (!byKind) row.set(e.to, (byKind = EDGE_KINDS.map(() => 0)));
      byKind[EDGE_KINDS.indexOf(e.kind)] = e.weight;
    }
    const direct = (n: string) => graph.penalties.get(n) ?? 0;
    const vouch = EDGE_KINDS.indexOf("vouch");
    for (const u of nodes) {
      this.ids.push(u);
      const row = byPair.get(u) ?? new Map<string, number[]>();
      let keep = 1 - direct(u);
      for (const [v, byKind] of row) if (byKind[vouch]! > 0) keep *= 1 - stake * byKind[vouch]! * direct(v);
      this.#penalty.set(u, u === graph.self ? 0 : 1 - keep);
      const lent = [...row].map(([v, byKind]) => [v, Math.min(1, byKind.reduce((a, w, k) => a + KIND_FACTOR[EDGE_KINDS[k]!] * w, 0))] as const);
      const denom = Math.max(1, lent.reduce((a, [, w]) => a + w, 0));
      const rate = Math.min(p.edgeCapacity, ((1 - p.restart) * (1 - this.#penalty.get(u)!) * engine.mass(u)) / denom);
      this.out.set(u, new Map(lent.map(([v, w]) => [v, rate * w])));
      if (u === graph.self) this.unit = Math.min(p.edgeCapacity, ((1 - p.restart) * p.restart * this.restartShare.get(u)!) / denom);
    }
    for (const u of nodes) this.#walk.set(u, u === graph.self ? 1 : this.scoreOfMass(engine.mass(u), u));
  }

  /** The mass one full-weight edge from this node carries: the score's unit. */
  unit = 0;

  scoreOfMass(mass: number, node: string): number {
    return scoreOf(mass, this.unit) * (1 - (this.#penalty.get(node) ?? 0));
  }

  walk(node: string): number {
    return this.#walk.get(node) ?? 0;
  }

  /**
   * The largest gap, in score units, between the engine's scores and these flows: each node's
   * restart share plus inflow against its mass, and the score rebuilt here against the engine's.
   */
  check(): number {
    const inflow = new Map<string, number>();
    for (const [u, share] of this.restartShare) inflow.set(u, this.p.restart * share);
    for (const row of this.out.values()) for (const [v, f] of row) inflow.set(v, (inflow.get(v) ?? 0) + f);
    let worst = 0;
    for (const u of this.ids) {
      worst = Math.max(worst, Math.abs((inflow.get(u) ?? 0) - this.engine.mass(u)) / this.unit);
      worst = Math.max(worst, Math.abs(this.walk(u) - this.engine.score(u)));
    }
    return worst;
  }
}

/** Each node's score after the per-identity bound at `levels` (ascending thresholds). */
export function boundByLevels(flows: WalkFlows, levels: readonly number[]): Map<string, number> {
  const out = new Map(flows.ids.map((id) => [id, flows.walk(id)] as const));
  // From the top level down: the top accepts by its own members' inflow, each lower level by the inflow from the level above.
  const byLevel: Set<string>[] = [];
  let lenders: Set<string> | null = null;
  for (let l = levels.length - 1; l >= 0; l--) byLevel[l] = lenders = accepted(flows, levels[l]!, lenders);
  for (const id of flows.ids) {
    for (let l = 0; l < levels.length && out.get(id)! >= levels[l]!; l++) {
      if (byLevel[l]!.has(id)) continue;
      out.set(id, levels[l]! - HELD_BELOW);
      break;
    }
  }
  return out;
}

/**
 * This node, and every node whose walk score reaches `level` and whose restart share plus the flows
 * into it from lenders alone would score at least the level. Lenders: this node, its seeds and
 * `lenders`; at the top level (null), those accepted there, until nothing changes.
 */
function accepted(flows: WalkFlows, level: number, lenders: ReadonlySet<string> | null): Set<string> {
  const inMass = new Map<string, number>();
  const queue: string[] = [];
  const done = new Set<string>();
  const lend = (u: string) => {
    for (const [v, f] of flows.out.get(u) ?? []) {
      inMass.set(v, (inMass.get(v) ?? 0) + f);
      queue.push(v);
    }
  };
  for (const [u, share] of flows.restartShare) {
    inMass.set(u, (inMass.get(u) ?? 0) + flows.p.restart * share);
    queue.push(u);
  }
  const self = [...flows.restartShare.keys()][0]!;
  done.add(self);
  for (const u of flows.restartShare.keys()) lend(u);
  for (const u of lenders ?? []) if (!flows.restartShare.has(u)) lend(u);
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q]!;
    if (done.has(v)) continue;
    if (flows.scoreOfMass(inMass.get(v)!, v) >= level && flows.walk(v) >= level) {
      done.add(v);
      if (!lenders) lend(v);
    }
  }
  return done;
}
