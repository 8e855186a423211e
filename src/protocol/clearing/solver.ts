// The exact maximum clearing of an obligation graph (docs/protocol.md §16, "The optimum and its
// certificate"): the circulation that cancels the most debt, found as a minimum-cost circulation
// with cost −1 on every edge (Fleischman & Dini, "Mathematical Foundations for Balancing the
// Payment System in the Trade Credit Market", 2021). Next to the flows it returns integer node
// potentials that prove optimality, edge by edge (certificate.ts).
//
// Method: saturate every edge, then repair the imbalance this leaves at the nodes with a
// primal-dual min-cost flow (successive shortest paths, Ahuja–Magnanti–Orlin ch. 9): Dijkstra on
// reduced costs from all nodes with excess to the nearest node with a deficit, then Dinic-style
// blocking flows over the zero-reduced-cost arcs (layered by hops from the excess, each path
// ending at the first deficit it meets), until every node is balanced. Pushing only along arcs of
// reduced cost 0 keeps every reduced cost ≥ 0, and saturation leaves only reverse arcs of cost +1,
// so potentials 0 start out valid. Integer throughout and deterministic: nodes are numbered in
// order of first appearance, arcs scanned in input order.

export interface Edge {
  debtor: string;
  creditor: string;
  capacity: number;
}

export interface Clearing {
  /** flows[i]: the amount cleared on edges[i]. */
  flows: number[];
  /** One potential per node (the reduced-cost convention of certificate.ts). */
  potentials: Map<string, number>;
  /** Σ flows: the maximum over every circulation within the capacities. */
  total: number;
}

export class ClearingInputError extends RangeError {
  override readonly name = "ClearingInputError";
}

/** The maximum clearing of `edges`; throws ClearingInputError on a capacity that is not a safe integer ≥ 0, a self-loop, or a total that is not safe. */
export function solveClearing(edges: readonly Edge[]): Clearing {
  const index = new Map<string, number>();
  const names: string[] = [];
  const node = (id: string): number => {
    let i = index.get(id);
    if (i === undefined) {
      i = names.length;
      index.set(id, i);
      names.push(id);
    }
    return i;
  };
  const m = edges.length;
  // Arc 2i runs debtor → creditor (clearing more, cost −1); arc 2i+1 runs back (clearing less, cost +1).
  const head = new Int32Array(2 * m);
  const res = new Float64Array(2 * m);
  let sum = 0;
  for (let i = 0; i < m; i++) {
    const e = edges[i]!;
    if (!Number.isSafeInteger(e.capacity) || e.capacity < 0) throw new ClearingInputError(`edge ${i}: capacity must be a safe integer ≥ 0`);
    if (e.debtor === e.creditor) throw new ClearingInputError(`edge ${i}: debtor and creditor are the same node`);
    const d = node(e.debtor);
    const c = node(e.creditor);
    head[2 * i] = c;
    head[2 * i + 1] = d;
    res[2 * i + 1] = e.capacity; // saturated: all of it cleared, for now
    sum += e.capacity;
  }
  if (!Number.isSafeInteger(sum)) throw new ClearingInputError("the capacities add up past 2^53 − 1");
  const n = names.length;

  // Arcs out of each node, in input order (compressed rows).
  const start = new Int32Array(n + 1);
  for (let a = 0; a < 2 * m; a++) start[head[a ^ 1]! + 1]!++;
  for (let v = 0; v < n; v++) start[v + 1]! += start[v]!;
  const out = new Int32Array(2 * m);
  const fill = start.slice(0, n);
  for (let a = 0; a < 2 * m; a++) out[fill[head[a ^ 1]!]!++] = a;

  // excess[v] = what flows into v − what flows out of it; a circulation has 0 everywhere.
  const excess = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    excess[head[2 * i]!]! += res[2 * i + 1]!;
    excess[head[2 * i + 1]!]! -= res[2 * i + 1]!;
  }
  const pi = new Float64Array(n);
  const reduced = (a: number): number => ((a & 1) === 0 ? -1 : 1) + pi[head[a ^ 1]!]! - pi[head[a]!]!;

  const dist = new Float64Array(n).fill(Infinity);
  const done = new Uint8Array(n);
  const heap = new MinHeap(2 * m + n);
  const level = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const cursor = new Int32Array(n);
  const path = new Int32Array(n);
  // Work per phase is kept to the nodes a phase touches (a long cycle can take many short phases):
  // the nodes with excess are listed, and only touched entries are reset.
  const sources = new Int32Array(n);
  let count = 0;
  for (let v = 0; v < n; v++) if (excess[v]! > 0) sources[count++] = v;
  const touched = new Int32Array(n);

  for (;;) {
    let live = 0;
    for (let k = 0; k < count; k++) if (excess[sources[k]!]! > 0) sources[live++] = sources[k]!;
    count = live;
    if (count === 0) break;

    // Shortest reduced-cost distances from the nodes with excess, up to the nearest deficit.
    heap.clear();
    let reached = 0;
    for (let k = 0; k < count; k++) {
      const s = sources[k]!;
      dist[s] = 0;
      touched[reached++] = s;
      heap.push(0, s);
    }
    let reach = -1;
    while (heap.size > 0) {
      const u = heap.pop();
      if (done[u]) continue;
      done[u] = 1;
      if (excess[u]! < 0) {
        reach = dist[u]!;
        break;
      }
      for (let k = start[u]!; k < start[u + 1]!; k++) {
        const a = out[k]!;
        if (res[a]! <= 0) continue;
        const v = head[a]!;
        const nd = dist[u]! + reduced(a);
        if (nd < dist[v]!) {
          if (dist[v] === Infinity) touched[reached++] = v;
          dist[v] = nd;
          heap.push(nd, v);
        }
      }
    }
    // Unreachable would mean no circulation exists, yet clearing nothing always is one.
    if (reach < 0) throw new Error("clearing solver: a deficit is unreachable (bug)");
    // Raise every potential by min(distance, reach); only differences count, so lower the settled
    // nodes by reach − distance instead and leave the rest alone.
    for (let k = 0; k < reached; k++) {
      const v = touched[k]!;
      if (done[v]) pi[v]! -= reach - dist[v]!;
      dist[v] = Infinity;
      done[v] = 0;
    }

    // Blocking flows along zero-reduced-cost arcs until no such path is left.
    for (;;) {
      let qt = 0;
      for (let k = 0; k < count; k++) {
        const s = sources[k]!;
        if (excess[s]! <= 0) continue;
        level[s] = 0;
        cursor[s] = start[s]!;
        queue[qt++] = s;
      }
      let qh = 0;
      let deficitSeen = false;
      while (qh < qt) {
        const u = queue[qh++]!;
        for (let k = start[u]!; k < start[u + 1]!; k++) {
          const a = out[k]!;
          const v = head[a]!;
          if (level[v]! >= 0 || res[a]! <= 0 || reduced(a) !== 0) continue;
          level[v] = level[u]! + 1;
          cursor[v] = start[v]!;
          if (excess[v]! < 0) deficitSeen = true;
          queue[qt++] = v;
        }
      }
      if (deficitSeen) {
        for (let k = 0; k < count; k++) {
          const s = sources[k]!;
          while (excess[s]! > 0) {
            // Walk forward along admissible arcs to a deficit, retreating from dead ends.
            let depth = 0;
            let u = s;
            while (excess[u]! >= 0 || u === s) {
              let a = -1;
              while (cursor[u]! < start[u + 1]!) {
                const b = out[cursor[u]!]!;
                const v = head[b]!;
                if (res[b]! > 0 && level[v] === level[u]! + 1 && reduced(b) === 0) {
                  a = b;
                  break;
                }
                cursor[u]!++;
              }
              if (a < 0) {
                level[u] = -2; // dead end for this round
                if (depth === 0) break;
                u = head[path[--depth]! ^ 1]!;
                cursor[u]!++;
                continue;
              }
              path[depth++] = a;
              u = head[a]!;
            }
            if (excess[u]! >= 0 || u === s) break; // s itself is a dead end
            let delta = Math.min(excess[s]!, -excess[u]!);
            for (let k = 0; k < depth; k++) delta = Math.min(delta, res[path[k]!]!);
            for (let k = 0; k < depth; k++) {
              res[path[k]!]! -= delta;
              res[path[k]! ^ 1]! += delta;
            }
            excess[s]! -= delta;
            excess[u]! += delta;
          }
        }
      }
      for (let k = 0; k < qt; k++) level[queue[k]!] = -1;
      if (!deficitSeen) break;
    }
  }

  // Potentials are defined up to a constant: the smallest is 0.
  let lowest = Infinity;
  for (let v = 0; v < n; v++) lowest = Math.min(lowest, pi[v]!);
  for (let v = 0; v < n; v++) pi[v]! -= lowest;

  const flows = new Array<number>(m);
  let total = 0;
  for (let i = 0; i < m; i++) {
    flows[i] = res[2 * i + 1]!;
    total += flows[i]!;
  }
  const potentials = new Map<string, number>();
  for (let v = 0; v < n; v++) potentials.set(names[v]!, pi[v]!);
  return { flows, potentials, total };
}

/** A binary min-heap of (key, node) pairs; stale entries are skipped by the caller. */
class MinHeap {
  private readonly keys: Float64Array;
  private readonly values: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.keys = new Float64Array(capacity + 1);
    this.values = new Int32Array(capacity + 1);
  }
  clear(): void {
    this.size = 0;
  }
  push(key: number, value: number): void {
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent]! <= key) break;
      this.keys[i] = this.keys[parent]!;
      this.values[i] = this.values[parent]!;
      i = parent;
    }
    this.keys[i] = key;
    this.values[i] = value;
  }
  pop(): number {
    const top = this.values[0]!;
    const key = this.keys[--this.size]!;
    const value = this.values[this.size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.keys[child + 1]! < this.keys[child]!) child++;
      if (this.keys[child]! >= key) break;
      this.keys[i] = this.keys[child]!;
      this.values[i] = this.values[child]!;
      i = child;
    }
    this.keys[i] = key;
    this.values[i] = value;
    return top;
  }
}
