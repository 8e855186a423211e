// The trust engine: personalized EigenTrust (a random walk that restarts at this node and its
// seeds, Kamvar et al. 2003) in which the trust an edge carries per step is capped, as Advogato
// caps flow (Levien). Whatever region of the graph strangers build, the trust reaching it is at
// most the capacity of the edges into it, divided by the restart probability: a Sybil region
// behind g attack edges holds at most g × edgeCapacity / restart, however many identities it has.
// Mass a node does not pass on (no edges, weights below 1 in total, capped, penalized) is dropped.
// The bound is on the region's total, not per identity (docs/security.md, Limits).
//
// Given the tiers' thresholds (`levels`), the walk decides only a node's tier; its place inside the
// tier is its accepted evidence (accepted-evidence.ts): what others lend it, counted by how far each
// giver is an accepted observer. The walk ranks by distance from this node, the evidence by what was
// seen of a node, and neither lifts a node into a tier the walk does not give it.
import { checkEdge, checkPenalty, EDGE_KINDS, KIND_FACTOR, TrustInputError, type EdgeKind, type TrustEdge, type TrustGraph } from "./graph.ts";
import { scoreOf } from "./normalization.ts";
import { acceptanceOf, placeInTier, standing, type LendingGraph } from "./accepted-evidence.ts";

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
  /**
   * The tiers' thresholds above 0, ascending in (0, 1): with them a score keeps the walk's tier and
   * is placed inside it by accepted evidence. Without them the score is the walk's.
   */
  levels?: readonly number[];
}

export interface Explanation {
  node: string;
  score: number;
  /** The penalty applied to the score: its own and what it bears for nodes it vouched for. */
  penalty: number;
  /** What accepted observers lend it (accepted-evidence.ts), penalty applied: its place in its tier; 0 without levels. */
  acceptedEvidence: number;
  /** Where its trust comes from: each source's share of the inflow, largest first. */
  inflow: { from: string; kind: EdgeKind; share: number }[];
  /** Nodes it vouched for that carry a penalty, with what each costs it. */
  staked: { subject: string; penalty: number }[];
}

/** Index of each kind in a pair's weights, in the order of EDGE_KINDS. */
const KIND_INDEX = Object.fromEntries(EDGE_KINDS.map((k, i) => [k, i])) as Readonly<Record<EdgeKind, number>>;
const KINDS = EDGE_KINDS;
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
  readonly #levels: readonly number[] | undefined;

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
  /** Per node: its standing in the last full computation's pass; how far it counts as an observer now; and what accepted observers lend it. */
  #standing: number[] = [];
  #accept: number[] = [];
  #evidence: number[] = [];
  /** Per node: its trust mass; restart + what others lend it − mass; whether it waits to be pushed. */
  #mass = new Float64Array(0);
  #residual = new Float64Array(0);
  #queued = new Uint8Array(0);

  constructor(options: EngineOptions = {}) {
    this.#restart = option(options.restart, 0.15, 0.01, 0.99, "restart");
    this.#cap = option(options.edgeCapacity, 0.01, 1e-9, 1, "edgeCapacity");
    this.#stake = option(options.stake, 0.5, 0, 1, "stake");
    this.#tolerance = option(options.tolerance, 1e-3, 1e-12, 1, "tolerance");
    this.#maxIterations = option(options.maxIterations, 500, 1, 1e6, "maxIterations");
    this.#maxOut = option(options.maxOutEdges, 1000, 1, 1e7, "maxOutEdges");
    this.#maxNodes = option(options.maxNodes, 200_000, 1, 1e8, "maxNodes");
    if (options.levels) {
      options.levels.forEach((l, i) => {
        if (!Number.isFinite(l) || l <= 0 || l >= 1 || (i > 0 && l <= options.levels![i - 1]!)) throw new TrustInputError(`levels must ascend in (0, 1), not ${options.levels!.join(", ")}`);
      });
      this.#levels = [...options.levels];
    }
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
    this.#standing = [];
    this.#accept = [];
    this.#evidence = [];
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
      const i = p > 0 ? this.#node(n) : -1;
      if (i >= 0) this.#direct.set(i, p);
    }
    for (let u = 0; u < this.#ids.length; u++) {
      this.#rebuildRow(u);
      this.#penalty[u] = this.#effectivePenalty(u);
    }
    this.#converge();
    if (this.#levels) {
      this.#standing = standing(this.#lending());
      for (let u = 0; u < this.#ids.length; u++) {
        this.#accept[u] = this.#acceptanceAt(u);
        this.#lendEvidence(u, 1);
      }
    }
  }

  /**
   * Applies changed edges (same from, to, kind replaces; weight 0 removes) and penalties (0 clears),
   * re-converging from the current scores: the flows out of the nodes that changed are replaced,
   * and only the difference is pushed through the graph until it falls below the tolerance.
   * Rounding accumulates over many updates: a full recomputation now and then resets it.
   */
  update(edges: readonly TrustEdge[], penalties?: ReadonlyMap<string, number>): void {
    if (this.#self < 0) throw new TrustInputError("update before full: there is no graph yet");
    for (const e of edges) checkEdge(e);
    for (const [n, p] of penalties ?? []) checkPenalty(n, p);
    const changed = new Set<number>();
    for (const e of edges) {
      const u = this.#index.get(e.from);
      if (u !== undefined) changed.add(u);
    }
    for (const [n] of penalties ?? []) {
      const i = this.#index.get(n);
      if (i === undefined) continue;
      changed.add(i);
      for (const v of this.#vouchers.get(i) ?? []) changed.add(v);
    }
    for (const u of changed) this.#lend(u, -1);
    const peersBefore = this.#rowTo[this.#self]!;
    const rows = new Set<number>();
    for (const e of edges) {
      const u = this.#setEdge(e);
      if (u >= 0) rows.add(u);
    }
    for (const [n, p] of penalties ?? []) {
      const i = p > 0 ? this.#node(n) : (this.#index.get(n) ?? -1);
      if (i < 0) continue;
      if (p > 0) this.#direct.set(i, p);
      else this.#direct.delete(i);
      changed.add(i);
      for (const v of this.#vouchers.get(i) ?? []) changed.add(v);
    }
    this.#grow();
    for (const u of rows) {
      this.#lendEvidence(u, -1);
      this.#rebuildRow(u);
      this.#lendEvidence(u, 1);
      changed.add(u);
    }
    // An observer whose penalty changed, or that became or stopped being a direct peer (a start of
    // the acceptance pass), is recounted from its last standing; the other standings wait for the next full run.
    const observers = new Set<number>();
    for (const [n] of penalties ?? []) {
      const i = this.#index.get(n);
      if (i !== undefined) observers.add(i);
    }
    if (rows.has(this.#self)) for (const v of [...peersBefore, ...this.#rowTo[this.#self]!]) observers.add(v);
    for (const u of observers) this.#reaccept(u);
    for (const u of changed) {
      this.#penalty[u] = this.#effectivePenalty(u);
      this.#lend(u, 1);
    }
    this.#push();
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
    if (v === undefined) return { node, score: 0, penalty: 0, acceptedEvidence: 0, inflow: [], staked: [] };
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
    return { node, score: this.#scoreAt(v), penalty: this.#penalty[v] ?? 0, acceptedEvidence: this.#evidenceAt(v), inflow: inflow.slice(0, limit), staked: staked.slice(0, limit) };
  }

  #scoreAt(i: number): number {
    if (i === this.#self) return 1;
    const walk = scoreOf(this.#mass[i] ?? 0, this.#unit()) * (1 - (this.#penalty[i] ?? 0));
    return this.#levels ? placeInTier(walk, this.#evidenceAt(i), this.#levels) : walk;
  }

  #evidenceAt(i: number): number {
    return this.#levels ? Math.max(0, this.#evidence[i] ?? 0) * (1 - (this.#penalty[i] ?? 0)) : 0;
  }

  /** The graph as the acceptance pass reads it: the rows, what each node's own penalty leaves it, the starts. */
  #lending(): LendingGraph {
    return { to: this.#rowTo, lent: this.#rowLent, keep: this.#ids.map((_, u) => 1 - (this.#direct.get(u) ?? 0)), starts: this.#starts() };
  }

  /** This node, its seeds and its direct peers (its own out-edges): where the acceptance pass starts. */
  #starts(): number[] {
    return [...new Set([...this.#restartShare.keys(), ...(this.#rowTo[this.#self] ?? [])])];
  }

  /** How far u counts as an observer, from its standing in the last pass, its penalty and whether it is a start now. */
  #acceptanceAt(u: number): number {
    if (u === this.#self) return 1;
    const start = this.#restartShare.has(u) || (this.#raw[this.#self]?.has(u) ?? false);
    return acceptanceOf(this.#standing[u] ?? 0, 1 - (this.#direct.get(u) ?? 0), start);
  }

  /** Recounts u as an observer, moving what it lends to its targets' accepted evidence. */
  #reaccept(u: number): void {
    if (!this.#levels) return;
    const a = this.#acceptanceAt(u);
    if (a === this.#accept[u]) return;
    this.#lendEvidence(u, -1);
    this.#accept[u] = a;
    this.#lendEvidence(u, 1);
  }

  /** Adds (sign 1) or withdraws (-1) what node u, as an observer, lends to its targets' accepted evidence. */
  #lendEvidence(u: number, sign: 1 | -1): void {
    const a = this.#accept[u] ?? 0;
    if (!this.#levels || a === 0) return;
    const to = this.#rowTo[u]!;
    const w = this.#rowLent[u]!;
    const share = (sign * a) / this.#rowDenom[u]!;
    for (let k = 0; k < to.length; k++) this.#evidence[to[k]!] = (this.#evidence[to[k]!] ?? 0) + share * w[k]!;
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
    this.#standing.push(0);
    this.#accept.push(0);
    this.#evidence.push(0);
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

  /** Power iteration from nothing until a step moves the masses by less than the tolerance; then the residual is pushed out. */
  #converge(): void {
    const n = this.#ids.length;
    let cur = new Float64Array(n);
    let next = new Float64Array(n);
    const threshold = this.#tolerance * this.#unit() * this.#restart;
    for (let it = 0; it < this.#maxIterations; it++) {
      this.#step(cur, next);
      let delta = 0;
      for (let i = 0; i < n; i++) delta += Math.abs(next[i]! - cur[i]!);
      [cur, next] = [next, cur];
      if (delta <= threshold) break;
    }
    this.#mass = cur;
    this.#step(cur, next);
    for (let i = 0; i < n; i++) next[i]! -= cur[i]!;
    this.#residual = next;
    this.#queued = new Uint8Array(n);
    this.#push();
  }

  /** next = restart + what every node lends at masses `cur`. */
  #step(cur: Float64Array, next: Float64Array): void {
    next.fill(0);
    for (const [i, share] of this.#restartShare) next[i]! += this.#restart * share;
    for (let u = 0; u < cur.length; u++) {
      const rate = cur[u]! > 0 ? this.#rate(u, cur[u]!) : 0;
      if (rate === 0) continue;
      const to = this.#rowTo[u]!;
      const w = this.#rowLent[u]!;
      for (let k = 0; k < to.length; k++) next[to[k]!]! += rate * w[k]!;
    }
  }

  /** Adds (sign 1) or withdraws (sign -1) what node u lends at its current mass to the residuals of its targets. */
  #lend(u: number, sign: 1 | -1): void {
    const rate = sign * this.#rate(u, this.#mass[u]!);
    if (rate === 0) return;
    const to = this.#rowTo[u]!;
    const w = this.#rowLent[u]!;
    for (let k = 0; k < to.length; k++) this.#residual[to[k]!]! += rate * w[k]!;
  }

  /**
   * Moves residual into mass, node by node, until no node's residual exceeds the tolerance: each
   * move changes what the node lends, and that difference becomes its targets' residual. Exact
   * (the residual is always restart + lent − mass), so the result matches a full recomputation.
   */
  #push(): void {
    const n = this.#ids.length;
    const epsilon = (this.#tolerance * this.#unit() * this.#restart) / 4;
    const r = this.#residual;
    const m = this.#mass;
    const queued = this.#queued;
    const queue: number[] = [];
    for (let i = 0; i < n; i++) {
      if (Math.abs(r[i]!) > epsilon) {
        queue.push(i);
        queued[i] = 1;
      }
    }
    const budget = this.#maxIterations * Math.max(n, 1);
    for (let q = 0; q < queue.length && q < budget; q++) {
      const u = queue[q]!;
      queued[u] = 0;
      const delta = r[u]!;
      if (Math.abs(delta) <= epsilon) continue;
      const before = this.#rate(u, m[u]!);
      m[u]! += delta;
      r[u] = 0;
      const change = this.#rate(u, m[u]!) - before;
      if (change === 0) continue;
      const to = this.#rowTo[u]!;
      const w = this.#rowLent[u]!;
      for (let k = 0; k < to.length; k++) {
        const v = to[k]!;
        r[v]! += change * w[k]!;
        if (queued[v] === 0 && Math.abs(r[v]!) > epsilon) {
          queued[v] = 1;
          queue.push(v);
        }
      }
      if (queue.length > 4 * n + 1024) {
        queue.splice(0, q + 1);
        q = -1;
      }
    }
    queued.fill(0);
  }

  /** Makes room in the per-node arrays for nodes admitted since the last computation. */
  #grow(): void {
    const n = this.#ids.length;
    if (this.#mass.length >= n) return;
    const size = Math.max(n, 2 * this.#mass.length);
    const mass = new Float64Array(size);
    mass.set(this.#mass);
    const residual = new Float64Array(size);
    residual.set(this.#residual);
    this.#mass = mass;
    this.#residual = residual;
    this.#queued = new Uint8Array(size);
  }
}
