// Watts–Strogatz small-world graphs for the trust simulation: a ring where each node links to
// its k nearest neighbours, then each link's far end is rewired at random with probability beta.

/** Undirected adjacency of a Watts–Strogatz graph on n nodes, k (even) neighbours each before rewiring. */
export function wattsStrogatz(n: number, k: number, beta: number, random: () => number): number[][] {
  if (k % 2 !== 0 || k >= n) throw new RangeError(`no Watts–Strogatz graph with n = ${n}, k = ${k}`);
  const links = Array.from({ length: n }, () => new Set<number>());
  for (let v = 0; v < n; v++) {
    for (let j = 1; j <= k / 2; j++) {
      const w = (v + j) % n;
      links[v]!.add(w);
      links[w]!.add(v);
    }
  }
  for (let v = 0; v < n; v++) {
    for (let j = 1; j <= k / 2; j++) {
      const w = (v + j) % n;
      if (random() >= beta || !links[v]!.has(w)) continue;
      let x = Math.floor(random() * n);
      for (let tries = 0; (x === v || links[v]!.has(x)) && tries < 32; tries++) x = Math.floor(random() * n);
      if (x === v || links[v]!.has(x)) continue;
      links[v]!.delete(w);
      links[w]!.delete(v);
      links[v]!.add(x);
      links[x]!.add(v);
    }
  }
  return links.map((s) => [...s]);
}
