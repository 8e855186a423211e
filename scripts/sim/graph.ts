// Random d-regular graphs for the simulator: the configuration model (pair up d stubs per node at
// random), then edge switches to remove self-loops and repeated edges, which keeps every degree.

export function randomRegularGraph(n: number, degree: number, random: () => number): number[][] {
  if ((n * degree) % 2 !== 0 || degree >= n) throw new RangeError(`no ${degree}-regular graph on ${n} nodes`);
  const stubs: number[] = [];
  for (let v = 0; v < n; v++) for (let k = 0; k < degree; k++) stubs.push(v);
  for (let i = stubs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [stubs[i], stubs[j]] = [stubs[j]!, stubs[i]!];
  }
  const edges: [number, number][] = [];
  for (let i = 0; i < stubs.length; i += 2) edges.push([stubs[i]!, stubs[i + 1]!]);
  const key = (a: number, b: number) => (a < b ? a * n + b : b * n + a);
  const count = new Map<number, number>();
  for (const [a, b] of edges) count.set(key(a, b), (count.get(key(a, b)) ?? 0) + 1);
  const bad = (e: [number, number]) => e[0] === e[1] || count.get(key(e[0], e[1]))! > 1;
  for (let guard = 0; guard < 1000 * edges.length; guard++) {
    const i = edges.findIndex(bad);
    if (i < 0) break;
    const j = Math.floor(random() * edges.length);
    const [a, b] = edges[i]!;
    const [c, d] = edges[j]!;
    // Switch (a,b),(c,d) to (a,c),(b,d) when that makes neither a loop nor a repeat.
    if (i === j || a === c || b === d || count.has(key(a, c)) || count.has(key(b, d))) continue;
    for (const [x, y] of [[a, b], [c, d]] as const) {
      const k = key(x, y);
      count.set(k, count.get(k)! - 1);
      if (count.get(k) === 0) count.delete(k);
    }
    edges[i] = [a, c];
    edges[j] = [b, d];
    count.set(key(a, c), 1);
    count.set(key(b, d), 1);
  }
  if (edges.some(bad)) throw new Error("could not make the graph simple");
  const adjacency: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    adjacency[a]!.push(b);
    adjacency[b]!.push(a);
  }
  return adjacency;
}

/** Nodes reachable from `start` through nodes for which `up` holds. */
export function reachable(adjacency: number[][], start: number, up: (v: number) => boolean): Set<number> {
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const w of adjacency[queue.pop()!]!) {
      if (up(w) && !seen.has(w)) {
        seen.add(w);
        queue.push(w);
      }
    }
  }
  return seen;
}
