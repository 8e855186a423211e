// Which provider to ask when several nodes offer the same tool (the same fingerprint): the one
// expected to answer soonest, from this node's own measurements of each, and the most trusted. A
// provider's expected cost is its smoothed latency plus a second for each failure it is expected
// to have (a failure costs a timeout or a retry elsewhere), so a fast node that often fails ranks
// behind a slower one that answers; divided by its trust weight, so that of two equal providers
// the more trusted goes first (trust × success × speed). Providers within a tenth of the best
// count as equals, and the load is spread among them at random. A share of calls (exploration)
// goes first to another provider at random, so that a newcomer gets the calls it needs to earn
// trust. Measurements live in memory: a new process starts from the prior and learns again
// within a few calls.

/** Weight of the newest sample in the moving averages. */
const ALPHA = 0.2;
/** What an unmeasured provider is assumed to be: fast enough to be tried, and reliable. */
const PRIOR_MS = 50;
const EQUAL_WITHIN = 1.1;
const FAILURE_COST_MS = 1000;
/** The trust weight of a node scored 0; a node scored 1 weighs 1, so an unknown one costs 4 times as much. */
const UNTRUSTED_WEIGHT = 0.25;

/** This node's trust in the providers, and the share of calls that explore. */
export interface TrustWeights {
  /** Scores in [0, 1] (src/node/trust/standing.ts); a node left out counts as 0. */
  scores: ReadonlyMap<string, number>;
  /** Share of orders whose first provider is another one than the best, drawn at random. */
  exploration: number;
}

export function trustWeight(score: number): number {
  return UNTRUSTED_WEIGHT + (1 - UNTRUSTED_WEIGHT) * Math.min(1, Math.max(0, score));
}

interface Measure {
  latencyMs: number;
  success: number;
  calls: number;
}

export interface ProviderScore {
  node: string;
  latencyMs: number;
  success: number;
  calls: number;
  expectedMs: number;
}

export class ProviderStats {
  readonly #by = new Map<string, Measure>();

  record(node: string, ok: boolean, latencyMs: number): void {
    const m = this.#by.get(node);
    if (!m) {
      this.#by.set(node, { latencyMs: ok ? latencyMs : PRIOR_MS, success: ok ? 1 : 0.5, calls: 1 });
      return;
    }
    // A failure's latency says nothing of how fast the node answers.
    if (ok) m.latencyMs += ALPHA * (latencyMs - m.latencyMs);
    m.success += ALPHA * ((ok ? 1 : 0) - m.success);
    m.calls++;
  }

  score(node: string): ProviderScore {
    const m = this.#by.get(node) ?? { latencyMs: PRIOR_MS, success: 1, calls: 0 };
    return { node, ...m, expectedMs: m.latencyMs + (1 - m.success) * FAILURE_COST_MS };
  }

  /**
   * `nodes` in the order to try them: the best first, equals shuffled by `random`; with `trust`,
   * costs weighed by trust, and an exploring order puts another node first (the rest follow).
   */
  order(nodes: readonly string[], random: () => number = Math.random, trust?: TrustWeights): string[] {
    const weight = (n: string) => (trust ? trustWeight(trust.scores.get(n) ?? 0) : 1);
    const scored = nodes.map((n) => ({ n, e: this.score(n).expectedMs / weight(n), r: random() }));
    scored.sort((a, b) => a.e - b.e);
    const best = scored[0]?.e ?? 0;
    const equals = scored.filter((x) => x.e <= best * EQUAL_WITHIN).sort((a, b) => a.r - b.r);
    const ordered = [...equals, ...scored.slice(equals.length)].map((x) => x.n);
    if (!trust || ordered.length < 2 || random() >= trust.exploration) return ordered;
    const explored = 1 + Math.floor(random() * (ordered.length - 1));
    return [ordered[explored]!, ...ordered.filter((_, i) => i !== explored)];
  }
}
