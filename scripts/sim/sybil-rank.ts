// A SybilRank-style global pass (Cao et al. 2012) over a trust graph, for the simulator's
// comparison with the personalized walk (scripts/sim/trust.ts, "combined"): trust starts split
// evenly over this node and its seeds and is propagated by power iteration for only
// ⌈log2 n⌉ steps, each node passing all it holds along its out-edges in proportion to what
// they lend. Stopped early, the walk has spread over the well-connected honest region but not yet
// through the few edges into a Sybil region. Not used by the node.
import { KIND_FACTOR, type TrustGraph } from "../../src/node/trust/scoring/graph.ts";

/** Per node, the trust it holds after the early-terminated walk (raw), and that over what is lent to it (degree-normalized). */
export function sybilRank(graph: TrustGraph): { raw: Map<string, number>; normalized: Map<string, number> } {
  const lend = new Map<string, Map<string, number>>();
  const into = new Map<string, number>();
  const nodes = new Set<string>([graph.self, ...graph.seeds]);
  for (const e of graph.edges) {
    if (e.from === e.to || e.to === graph.self || e.weight <= 0) continue;
    nodes.add(e.from).add(e.to);
    const out = lend.get(e.from) ?? new Map<string, number>();
    // All kinds between two nodes lend at most 1 together, as in the engine.
    out.set(e.to, Math.min(1, (out.get(e.to) ?? 0) + KIND_FACTOR[e.kind] * e.weight));
    lend.set(e.from, out);
  }
  for (const out of lend.values()) for (const [to, w] of out) into.set(to, (into.get(to) ?? 0) + w);
  const kept = (node: string) => 1 - (graph.penalties.get(node) ?? 0);
  const starts = [...new Set([graph.self, ...graph.seeds])];
  let mass = new Map<string, number>(starts.map((s) => [s, 1 / starts.length]));
  const steps = Math.ceil(Math.log2(Math.max(2, nodes.size)));
  for (let step = 0; step < steps; step++) {
    const next = new Map<string, number>();
    for (const [node, m] of mass) {
      const out = lend.get(node);
      if (!out || out.size === 0) {
        next.set(node, (next.get(node) ?? 0) + m);
        continue;
      }
      let total = 0;
      for (const w of out.values()) total += w;
      const passed = m * kept(node);
      for (const [to, w] of out) next.set(to, (next.get(to) ?? 0) + (passed * w) / total);
    }
    mass = next;
  }
  const raw = new Map<string, number>();
  const normalized = new Map<string, number>();
  for (const node of nodes) {
    const m = (mass.get(node) ?? 0) * kept(node);
    raw.set(node, m);
    normalized.set(node, m / Math.max(into.get(node) ?? 0, 1e-9));
  }
  return { raw, normalized };
}
