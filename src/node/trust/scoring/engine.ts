// The trust engine: personalized EigenTrust (a random walk that restarts at this node and its
// seeds, Kamvar et al. 2003) in which the trust an edge carries per step is capped, as Advogato
// caps flow (Levien). Whatever region of the graph strangers build, the trust reaching it is at
// most the capacity of the edges into it, divided by the restart probability: a Sybil region
// behind g attack edges holds at most g × edgeCapacity / restart, however many identities it has.
// Mass a node does not pass on (no edges, weights below 1 in total, capped, penalized) is dropped.
import { checkEdge, checkPenalty, KIND_FACTOR, TrustInputError, type EdgeKind, type TrustEdge, type TrustGraph } from "./graph.ts";
import { scoreOf } from "./normalization.ts";

export interface EngineOptions {
  /** Probability that the walk restarts at this node or a seed, per step. */
  restart?: number;
  /** The most trust mass one edge (one ordered pair of nodes, weight 1) carries per step. */
  edgeCapacity?: number;
  /** Share of a vouched node's penalty, times the vouch's weight, that its voucher bears. */
  stake?: number;
  /** Convergence target, in score units. */
  tolerance?: number;
  maxIterations?: number;
  /** Out-edges kept per node (the heaviest): a stranger cannot grow the graph by vouching in bulk. */
  maxOutEdges?: number;
  /** Nodes kept, nearest to this node and its seeds first. */
  maxNodes?: number;
}

export interface Explanation {
  node: string;
  score: number;
  /** The penalty applied to the score: its own and what it bears for nodes it vouched for. */
  penalty: number;
  /** Where its trust comes from: each source's share of the inflow, largest first. */
  inflow: { from: string; kind: EdgeKind; share: number }[];
  /** Nodes it vouched for that carry a penalty, with what each costs it. */
  staked: { subject: string; penalty: number }[];
}

const KIND_INDEX: Readonly<Record<EdgeKind, number>> = { vouch: 0, interaction: 1, assertion: 2 };
const KINDS: readonly EdgeKind[] = ["vouch", "interaction", "assertion"];
const VOUCH = KIND_INDEX.vouch;

/** What one pair of nodes lends, at most 1 however many kinds of evidence link them. */
function lent(byKind: readonly number[]): number {
  let sum = 0;
  for (let k = 0; k < KINDS.length; k++) sum += KIND_FACTOR[KINDS[k]!] * byKind[k]!;
  return Math.min(1, sum);
}

function option(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < min || v > max) throw new TrustInputError(`${name} ${v} is not in [${min}, ${max}]`);
  return v;
}

export class TrustEngine {
  readonly #restart: number;
  readonly #cap: number;
  readonly #stake: number;
  readonly #tolerance: number;
  readonly #maxIterations: number;
  readonly #maxOut: number;
  readonly #maxNodes: number;

  #ids: string[] = [];
  #index = new Map<string, number>();
  #self = -1;
  #restartShare = new Map<number, number>();
  /** Per source node: target → weight by kind (vouch, interaction, assertion). */
  #raw: (Map<number, number[]> | undefined)[] = [];
  #rowTo: Int32Array[] = [];
  #rowLent: Float64Array[] = [];
  /** max(total lent, 1): a node whose edges lend less than 1 in total keeps back the rest. */
  #rowDenom: number[] = [];
  #direct = new Map<number, number>();
  /** Vouched node → its vouchers, so a penalty reaches the stakes on it. */
  #vouchers = new Map<number, Set<number>>();
  #penalty: number[] = [];
  #mass = new Float64Array(0);

  constructor(options: EngineOptions = {}) {
    this.#restart = option(options.restart, 0.15, 0.01, 0.99, "restart");
    this.#cap = option(options.edgeCapacity, 0.01, 1e-9, 1, "edgeCapacity");
    this.#stake = option(options.stake, 0.5, 0, 1, "stake");
    this.#tolerance = option(options.tolerance, 1e-4, 1e-12, 1, "tolerance");
    this.#maxIterations = option(options.maxIterations, 500, 1, 1e6, "maxIterations");
    this.#maxOut = option(options.maxOutEdges, 1000, 1, 1e7, "maxOutEdges");
    this.#maxNodes = option(options.maxNodes, 200_000, 1, 1e8, "maxNodes");
  }

  /** Replaces the graph and computes from scratch. */
  full(graph: TrustGraph): void {
    if (typeof graph.self !== "string" || graph.self === "") throw new TrustInputError("the graph needs this node's id");
    for (const e of graph.edges) checkEdge(e);
    for (const [n, p] of graph.penalties) checkPenalty(n, p);
    this.#ids = [];
    this.#index = new Map();
    this.#raw = [];
    this.#rowTo = [];
    this.#rowLent = [];
    this.#rowDenom = [];
    this.#direct = new Map();
    this.#vouchers = new Map();
    this.#penalty = [];
    this.#mass = new Float64Array(0);
    this.#self = this.#node(graph.self);
    const seeds = [...new Set(graph.seeds)].filter((s) => s !== graph.self && s !== "").map((s) => this.#node(s)).filter((i) => i >= 0);
    this.#restartShare = new Map([[this.#self, seeds.length > 0 ? 0.5 : 1]]);
    for (const s of seeds) this.#restartShare.set(s, 0.5 / seeds.length);
    const bySource = this.#heaviestBySource(graph);
    this.#admitNearestFirst(bySource);
    for (const [from, row] of bySource) {
      for (const [to, byKind] of row) {
        for (let k = 0; k < KINDS.length; k++) if (byKind[k]! > 0) this.#setEdge({ from, to, kind: KINDS[k]!, weight: byKind[k]! });
      }
    }
    for (const [n, p] of graph.penalties) {
      const i = this.#node(n);
      if (i >= 0 && p > 0) this.#direct.set(i, p);
    }
    for (let u = 0; u < this.#ids.length; u++) {
      this.#rebuildRow(u);
      this.#penalty[u] = this.#effectivePenalty(u);
    }
    this.#mass = new Float64Array(this.#ids.length);
    this.#converge();
  }

  /** Applies changed edges (same from, to, kind replaces; weight 0 removes) and penalties (0 clears), re-converging from the current scores. */
  update(edges: readonly TrustEdge[], penalties?: ReadonlyMap<string, number>): void {
    if (this.#self < 0) throw new TrustInputError("update before full: there is no graph yet");
    for (const e of edges) checkEdge(e);
    for (const [n, p] of penalties ?? []) checkPenalty(n, p);
    const rows = new Set<number>();
    const penalized = new Set<number>();
    for (const e of edges) {
      const u = this.#setEdge(e);
      if (u >= 0) rows.add(u);
    }
    for (const [n, p] of penalties ?? []) {
      const i = p > 0 ? this.#node(n) : (this.#index.get(n) ?? -1);
      if (i < 0) continue;
      if (p > 0) this.#direct.set(i, p);
      else this.#direct.delete(i);
      penalized.add(i);
      for (const v of this.#vouchers.get(i) ?? []) penalized.add(v);
    }
    for (const u of rows) this.#rebuildRow(u);
    for (const u of new Set([...rows, ...penalized])) this.#penalty[u] = this.#effectivePenalty(u);
    this.#converge();
  }

  /** In [0, 1]; 0 for a node this engine knows nothing of; 1 for this node. */
  score(node: string): number {
    const i = this.#index.get(node);
    if (i === undefined) return 0;
    return this.#scoreAt(i);
  }

  /** The node's share of this node's trust before normalization (what the Sybil bound is about); 0 unknown. */
  mass(node: string): number {
    const i = this.#index.get(node);
    return i === undefined ? 0 : (this.#mass[i] ?? 0);
  }

  scores(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (let i = 0; i < this.#ids.length; i++) out.set(this.#ids[i]!, this.#scoreAt(i));
    return out;
  }

  explain(node: string, limit = 10): Explanation {
    const v = this.#index.get(node);
    if (v === undefined) return { node, score: 0, penalty: 0, inflow: [], staked: [] };
    const inflow: { from: string; kind: EdgeKind; share: number }[] = [];
    let total = 0;
    for (let u = 0; u < this.#ids.length; u++) {
      const to = this.#rowTo[u]!;
      for (let k = 0; k < to.length; k++) {
        if (to[k] !== v) continue;
        const f = this.#flow(u, this.#rowLent[u]![k]!);
        const byKind = this.#raw[u]!.get(v)!;
        const c = lent(byKind);
        for (let j = 0; j < KINDS.length; j++) {
          const part = c > 0 ? (f * KIND_FACTOR[KINDS[j]!] * byKind[j]!) / c : 0;
          if (part > 0) inflow.push({ from: this.#ids[u]!, kind: KINDS[j]!, share: part });
          total += part;
        }
      }
    }
    for (const x of inflow) x.share /= total;
    inflow.sort((a, b) => b.share - a.share || (a.from < b.from ? -1 : 1));
    const staked: { subject: string; penalty: number }[] = [];
    if (v !== this.#self) {
      for (const [w, byKind] of this.#raw[v] ?? []) {
        const p = this.#direct.get(w) ?? 0;
        if (byKind[VOUCH]! > 0 && p > 0) staked.push({ subject: this.#ids[w]!, penalty: this.#stake * byKind[VOUCH]! * p });
      }
    }
    staked.sort((a, b) => b.penalty - a.penalty);
    return { node, score: this.#scoreAt(v), penalty: this.#penalty[v] ?? 0, inflow: inflow.slice(0, limit), staked: staked.slice(0, limit) };
  }

  #scoreAt(i: number): number {
    if (i === this.#self) return 1;
    return scoreOf(this.#mass[i] ?? 0, this.#unit()) * (1 - (this.#penalty[i] ?? 0));
  }

  /** The mass one full-weight edge from this node carries: the score's unit. */
  #unit(): number {
    const selfMass = this.#restart * (this.#restartShare.get(this.#self) ?? 1);
    return Math.min(this.#cap, ((1 - this.#restart) * selfMass) / (this.#rowDenom[this.#self] ?? 1));
  }

  #flow(u: number, lentWeight: number): number {
    return lentWeight * this.#rate(u, this.#mass[u]!);
  }

  /** Mass a node passes per unit of edge weight: its share of its budget, capped. */
  #rate(u: number, mass: number): number {
    return Math.min(this.#cap, ((1 - this.#restart) * (1 - this.#penalty[u]!) * mass) / this.#rowDenom[u]!);
  }

  /** The node's index, admitting it while there is room; -1 when full. */
  #node(id: string): number {
    const known = this.#index.get(id);
    if (known !== undefined) return known;
    if (this.#ids.length >= this.#maxNodes) return -1;
    const i = this.#ids.length;
    this.#ids.push(id);
    this.#index.set(id, i);
    this.#raw.push(undefined);
    this.#rowTo.push(new Int32Array(0));
    this.#rowLent.push(new Float64Array(0));
    this.#rowDenom.push(1);
    this.#penalty.push(0);
    return i;
  }

  /** The graph's edges by source, each source's heaviest maxOutEdges only (ties by id, so runs agree). */
  #heaviestBySource(graph: TrustGraph): Map<string, Map<string, number[]>> {
    const bySource = new Map<string, Map<string, number[]>>();
    for (const e of graph.edges) {
      if (e.from === e.to || e.to === graph.self || e.weight === 0) continue;
      let row = bySource.get(e.from);
      if (!row) bySource.set(e.from, (row = new Map()));
      let byKind = row.get(e.to);
      if (!byKind) row.set(e.to, (byKind = [0, 0, 0]));
      byKind[KIND_INDEX[e.kind]] = e.weight;
    }
    for (const [from, row] of bySource) {
      if (row.size <= this.#maxOut) continue;
      const kept = [...row].sort((a, b) => lent(b[1]) - lent(a[1]) || (a[0] < b[0] ? -1 : 1)).slice(0, this.#maxOut);
      bySource.set(from, new Map(kept));
    }
    return bySource;
  }

  /** Admits nodes breadth-first from this node and its seeds, so that a full table keeps the nearest. */
  #admitNearestFirst(bySource: ReadonlyMap<string, ReadonlyMap<string, number[]>>): void {
    const queue = [...this.#ids];
    for (let q = 0; q < queue.length; q++) {
      for (const to of bySource.get(queue[q]!)?.keys() ?? []) {
        if (this.#index.has(to)) continue;
        if (this.#node(to) < 0) return;
        queue.push(to);
      }
    }
  }

  /** Records one edge; returns its source's index, or -1 when the edge is ignored. */
  #setEdge(e: TrustEdge): number {
    if (e.from === e.to) return -1;
    const u = e.weight > 0 ? this.#node(e.from) : (this.#index.get(e.from) ?? -1);
    const v = e.weight > 0 ? this.#node(e.to) : (this.#index.get(e.to) ?? -1);
    if (u < 0 || v < 0 || v === this.#self) return -1;
    let row = this.#raw[u];
    if (!row) row = this.#raw[u] = new Map();
    const byKind = row.get(v) ?? [0, 0, 0];
    byKind[KIND_INDEX[e.kind]] = e.weight;
    if (byKind.every((w) => w === 0)) row.delete(v);
    else row.set(v, byKind);
    if (e.kind === "vouch") this.#noteVouch(u, v, e.weight > 0);
    if (row.size > this.#maxOut) this.#dropLightest(u, row);
    return u;
  }

  #noteVouch(u: number, v: number, on: boolean): void {
    const set = this.#vouchers.get(v);
    if (on) {
      if (set) set.add(u);
      else this.#vouchers.set(v, new Set([u]));
    } else if (set) {
      set.delete(u);
      if (set.size === 0) this.#vouchers.delete(v);
    }
  }

  #dropLightest(u: number, row: Map<number, number[]>): void {
    let lightest = -1;
    let least = Infinity;
    for (const [v, byKind] of row) {
      const c = lent(byKind);
      if (c < least || (c === least && v > lightest)) {
        least = c;
        lightest = v;
      }
    }
    row.delete(lightest);
    this.#noteVouch(u, lightest, false);
  }

  #rebuildRow(u: number): void {
    const row = this.#raw[u];
    const n = row?.size ?? 0;
    const to = new Int32Array(n);
    const w = new Float64Array(n);
    let sum = 0;
    let k = 0;
    for (const [v, byKind] of row ?? []) {
      to[k] = v;
      w[k] = lent(byKind);
      sum += w[k]!;
      k++;
    }
    this.#rowTo[u] = to;
    this.#rowLent[u] = w;
    this.#rowDenom[u] = Math.max(1, sum);
  }

  /** Own penalty combined with the stakes on vouched nodes' penalties; this node bears none. */
  #effectivePenalty(u: number): number {
    if (u === this.#self) return 0;
    let keep = 1 - (this.#direct.get(u) ?? 0);
    for (const [v, byKind] of this.#raw[u] ?? []) {
      const p = byKind[VOUCH]! > 0 ? (this.#direct.get(v) ?? 0) : 0;
      if (p > 0) keep *= 1 - this.#stake * byKind[VOUCH]! * p;
    }
    return 1 - keep;
  }

  /** Power iteration from the current masses until a step moves them by less than the tolerance. */
  #converge(): void {
    const n = this.#ids.length;
    let cur = this.#mass;
    if (cur.length !== n) {
      const grown = new Float64Array(n);
      grown.set(cur.subarray(0, Math.min(cur.length, n)));
      cur = grown;
    }
    const threshold = this.#tolerance * this.#unit() * this.#restart;
    let next = new Float64Array(n);
    for (let it = 0; it < this.#maxIterations; it++) {
      next.fill(0);
      for (const [i, share] of this.#restartShare) next[i]! += this.#restart * share;
      for (let u = 0; u < n; u++) {
        const m = cur[u]!;
        if (m === 0) continue;
        const rate = this.#rate(u, m);
        if (rate === 0) continue;
        const to = this.#rowTo[u]!;
        const w = this.#rowLent[u]!;
        for (let k = 0; k < to.length; k++) next[to[k]!]! += rate * w[k]!;
      }
      let delta = 0;
      for (let i = 0; i < n; i++) delta += Math.abs(next[i]! - cur[i]!);
      [cur, next] = [next, cur];
      if (delta <= threshold) break;
    }
    this.#mass = cur;
  }
}
