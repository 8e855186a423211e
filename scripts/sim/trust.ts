// `npm run sim:trust`: the trust scoring engine (src/node/trust/scoring) over synthetic
// federations, printed as markdown for docs/benchmarks.md "Trust scores (issue 14)".
//
// - An honest federation: a Watts–Strogatz small world of SIM_TRUST_HONEST nodes (k = 10,
//   beta = 0.1). Each node has a ground-truth honesty in [0.2, 1] that drives what its neighbours
//   see of it (confirmed and disputed records, failures, uptime). This node (h0) turns what it saw
//   into interaction edges and penalties; the others' views reach it as assertions (their scores),
//   and honest nodes vouch for some of their good neighbours.
// - Sybil regions of 100..10,000 identities with honesty 0, vouching and asserting for each other
//   and for themselves in bulk, attached by g attack edges (an honest node fooled into a full vouch
//   and a full assertion for a Sybil), from random honest nodes or from the most trusted ones.
//
// Knobs (environment): SIM_SEED, SIM_TRUST_HONEST, SIM_TRUST_RUNS (timed runs per CPU figure),
// SIM_TRUST_ONLY (one section: sybil, spearman, combined, cosigned, why, newcomer, cpu; variants only when named).
import { loadavg } from "node:os";
import { execFileSync } from "node:child_process";
import { seeded } from "../../test/support/random.ts";
import { machine, median, percentile, table } from "../bench/lib.ts";
import { TrustEngine } from "../../src/node/trust/scoring/engine.ts";
import { HALF_SCORE_UNITS as HALF } from "../../src/node/trust/scoring/normalization.ts";
import { interactionPenalty, interactionWeight, type InteractionCounts } from "../../src/node/trust/scoring/evidence.ts";
import { KIND_FACTOR, type TrustEdge, type TrustGraph } from "../../src/node/trust/scoring/graph.ts";
import { wattsStrogatz } from "./small-world.ts";
import { sybilRank } from "./sybil-rank.ts";
import { boundByLevels, WalkFlows } from "./level-acceptance.ts";

const env = process.env;
const SEED = Number(env.SIM_SEED ?? 14);
const HONEST = Number(env.SIM_TRUST_HONEST ?? 1000);
const RUNS = Number(env.SIM_TRUST_RUNS ?? 7);
const RESTART = Number(env.SIM_TRUST_RESTART ?? 0.15);
const CAP = Number(env.SIM_TRUST_CAP ?? 0.01);
const KNOWN = 0.25;
const TRUSTED = 0.5;
/** The default tiers' thresholds (known, trusted, core): the per-identity bound's levels. */
const LEVELS = [KNOWN, TRUSTED, 0.8];
const SELF = "h0";

interface Federation {
  graph: TrustGraph;
  /** Ground truth: honesty in [0, 1] per node, 0 for Sybils. */
  honesty: Map<string, number>;
}

/** Counts a node's neighbour saw of it over `calls` calls, given its honesty. */
function observe(honesty: number, calls: number, random: () => number): InteractionCounts {
  let confirmed = 0;
  let disputed = 0;
  let failed = 0;
  for (let i = 0; i < calls; i++) {
    if (random() < honesty) confirmed++;
    else if (random() < 0.4) disputed++;
    if (random() > 0.5 + 0.5 * honesty) failed++;
  }
  const uptime = Math.min(1, 0.5 + 0.5 * honesty + 0.1 * (random() - 0.5));
  return { confirmed, disputed, succeeded: calls - failed, failed, refusals: 0, uptime };
}

/** What an honest node publishes about a peer it saw: the score a direct peer with that edge gets. */
const asserted = (w: number) => Math.round((1000 * w) / (w + 0.5)) / 1000;

function honestFederation(n: number, random: () => number, k = 10): Federation {
  const adjacency = wattsStrogatz(n, k, 0.1, random);
  const honesty = new Map<string, number>();
  for (let i = 0; i < n; i++) honesty.set(`h${i}`, i === 0 ? 1 : 0.2 + 0.8 * random());
  const edges: TrustEdge[] = [];
  const penalties = new Map<string, number>();
  for (let u = 0; u < n; u++) {
    for (const v of adjacency[u]!) {
      const to = `h${v}`;
      const h = honesty.get(to)!;
      const seen = observe(h, 4 + Math.floor(random() * 16), random);
      const w = interactionWeight(seen);
      if (u === 0) {
        if (w > 0) edges.push({ from: SELF, to, kind: "interaction", weight: w });
        const p = interactionPenalty(seen);
        if (p > 0) penalties.set(to, p);
      } else if (w > 0) {
        edges.push({ from: `h${u}`, to, kind: "assertion", weight: asserted(w) });
      }
      if (u !== 0 && h >= 0.6 && random() < 0.3) edges.push({ from: `h${u}`, to, kind: "vouch", weight: Math.round(100 * h) / 100 });
    }
  }
  const good = [...honesty].filter(([id, h]) => id !== SELF && h >= 0.8).map(([id]) => id);
  return { graph: { self: SELF, seeds: pickRandom(good, 2, random), edges, penalties }, honesty };
}

/**
 * What an attack edge is: an honest node fooled into a full vouch and a full assertion (the
 * strongest), or one that only saw the Sybil serve well and asserts what it would of a good peer.
 */
type Attack = "vouch + assertion" | "assertion of good service";

/**
 * Adds `count` Sybils, each vouching and asserting for itself and for `links` random Sybils (in
 * bulk by default), attached by an edge from each of `attackers`.
 */
function withSybils(base: Federation, count: number, attackers: readonly string[], random: () => number, attack: Attack = "vouch + assertion", links = 10): Federation {
  const edges = [...base.graph.edges];
  const honesty = new Map(base.honesty);
  for (let i = 0; i < count; i++) {
    const s = `s${i}`;
    honesty.set(s, 0);
    edges.push({ from: s, to: s, kind: "vouch", weight: 1 }, { from: s, to: s, kind: "assertion", weight: 1 });
    for (let j = 0; j < links; j++) {
      const t = `s${Math.floor(random() * count)}`;
      edges.push({ from: s, to: t, kind: "vouch", weight: 1 }, { from: s, to: t, kind: "assertion", weight: 1 });
    }
  }
  for (const a of attackers) {
    const s = `s${Math.floor(random() * count)}`;
    if (attack === "vouch + assertion") edges.push({ from: a, to: s, kind: "vouch", weight: 1 }, { from: a, to: s, kind: "assertion", weight: 1 });
    else edges.push({ from: a, to: s, kind: "assertion", weight: asserted(interactionWeight({ confirmed: 15, disputed: 0, succeeded: 15, failed: 0, refusals: 0, uptime: 1 })) });
  }
  return { graph: { ...base.graph, edges }, honesty };
}

/** The node's score (the walk's tier, placed inside it by accepted evidence), or with `levels` null the walk's alone. */
function run(f: Federation, levels: readonly number[] | null = LEVELS): TrustEngine {
  const e = new TrustEngine({ restart: RESTART, edgeCapacity: CAP, ...(levels ? { levels } : {}) });
  e.full(f.graph);
  return e;
}

const walk = (f: Federation) => run(f, null);

const tierIndex = (score: number) => LEVELS.filter((l) => score >= l).length;

/** The node's score keeps the walk's tier for every node: checked, so that the tier counts below hold for both. */
function checkTiers(f: Federation, w: TrustEngine, e: TrustEngine): void {
  for (const id of f.honesty.keys()) {
    if (tierIndex(w.score(id)) !== tierIndex(e.score(id))) throw new Error(`${id}: the walk puts it at ${w.score(id)}, the node's score at ${e.score(id)}`);
  }
}

/** The walk and the node's score over a federation (checked to keep the walk's tiers), and its nodes by ground truth. */
function scoredRun(f: Federation): { w: TrustEngine; e: TrustEngine; ids: string[]; honestOnly: string[]; sybilIds: string[] } {
  const w = walk(f);
  const e = run(f);
  checkTiers(f, w, e);
  const ids = [...f.honesty.keys()].filter((id) => id !== SELF);
  return { w, e, ids, honestOnly: ids.filter((id) => f.honesty.get(id)! > 0), sybilIds: ids.filter((id) => f.honesty.get(id) === 0) };
}

function pickRandom(ids: readonly string[], count: number, random: () => number): string[] {
  const pool = [...ids];
  const out: string[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return out;
}

/** Spearman's rank correlation, ties given their average rank. */
function spearman(xs: number[], ys: number[]): number {
  const ranks = (v: number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
      for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return r;
  };
  const a = ranks(xs);
  const b = ranks(ys);
  const mean = (a.length + 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - mean) * (b[i]! - mean);
    da += (a[i]! - mean) ** 2;
    db += (b[i]! - mean) ** 2;
  }
  return num / Math.sqrt(da * db);
}

const sci = (x: number) => (x === 0 ? "0" : x.toExponential(2));
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));

function cpuMs(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Counts before → after the per-identity bound: the walk's score, then the score the tiers use. */
const counted = (before: number, after: number) => `${before} → ${after}`;

/**
 * Whether the trust flowing into `id` over edges from honest nodes alone (ground truth), its share
 * of the walk's inflow, would put it at `level`: the per-identity bound's promise, checked.
 */
function liftedByHonest(e: TrustEngine, f: Federation, id: string, level: number): boolean {
  const s = e.score(id);
  const x = (HALF * s) / (1 - s); // the score's mass in units (normalization.ts), inverted
  const share = e.explain(id, Infinity).inflow.filter((i) => (f.honesty.get(i.from) ?? 1) > 0).reduce((a, i) => a + i.share, 0);
  const honest = x * share;
  return honest / (honest + HALF) >= level;
}

function sybilMass(f: Federation): string[] {
  const e = walk(f);
  checkTiers(f, e, run(f));
  const flows = new WalkFlows(f.graph, e, { restart: RESTART, edgeCapacity: CAP });
  const gap = flows.check();
  if (gap > 1e-2) throw new Error(`the per-identity bound's flows disagree with the engine by ${gap} score units`);
  const bound = boundByLevels(flows, LEVELS);
  const beyond = [0, 0];
  let mass = 0;
  let honestMass = 0;
  const sybil = { known: [0, 0], trusted: [0, 0] };
  const honest = { known: [0, 0] };
  let best = 0;
  for (const [id, h] of f.honesty) {
    const walk = e.score(id);
    const bounded = bound.get(id) ?? 0;
    if (h > 0) {
      honestMass += e.mass(id);
      if (id !== SELF) honest.known = [honest.known[0]! + Number(walk >= KNOWN), honest.known[1]! + Number(bounded >= KNOWN)];
    } else {
      mass += e.mass(id);
      sybil.known = [sybil.known[0]! + Number(walk >= KNOWN), sybil.known[1]! + Number(bounded >= KNOWN)];
      sybil.trusted = [sybil.trusted[0]! + Number(walk >= TRUSTED), sybil.trusted[1]! + Number(bounded >= TRUSTED)];
      if (walk >= KNOWN && !liftedByHonest(e, f, id, KNOWN)) {
        beyond[0]!++;
        if (bounded >= KNOWN) beyond[1]!++;
      }
      best = Math.max(best, bounded);
    }
  }
  return [sci(mass), sci(honestMass), best.toFixed(3), counted(sybil.known[0]!, sybil.known[1]!), counted(sybil.trusted[0]!, sybil.trusted[1]!), counted(honest.known[0]!, honest.known[1]!), counted(beyond[0]!, beyond[1]!)];
}

function sybilSection(base: Federation, random: () => number): string {
  const honestIds = [...base.honesty.keys()].filter((id) => id !== SELF);
  const baseline = walk(base);
  const byScore = [...honestIds].sort((a, b) => baseline.score(b) - baseline.score(a));
  const rows: (string | number)[][] = [];
  for (const [attack, pick] of [
    ["random honest nodes", (g: number) => pickRandom(honestIds, g, random)],
    ["the g most trusted honest nodes", (g: number) => byScore.slice(0, g)],
  ] as const) {
    for (const g of [1, 10, 100]) {
      const attackers = pick(g);
      for (const count of [100, 1000, 10_000]) {
        const f = withSybils(base, count, attackers, seeded(SEED + count));
        const [mass, honestMass, best, known, trusted, honestKnown, beyond] = sybilMass(f);
        rows.push([attack, g, count.toLocaleString("en-US"), mass!, sci((g * CAP) / RESTART), honestMass!, best!, known!, beyond!, trusted!, honestKnown!]);
      }
    }
  }
  return table(["attack edges from", "g", "Sybils", "Sybil mass", "bound g × cap / restart", "honest mass", "best Sybil score (bounded)", "Sybils ≥ known, walk → bounded", "of those, not lifted there by honest edges alone", "Sybils ≥ trusted, walk → bounded", "honest ≥ known, walk → bounded"], rows);
}

function spearmanSection(base: Federation, random: () => number): string {
  const honestIds = [...base.honesty.keys()].filter((id) => id !== SELF);
  const good = honestIds.filter((id) => base.honesty.get(id)! >= 0.8);
  const count = Math.round((0.3 / 0.7) * HONEST);
  const rows: (string | number)[][] = [];
  // The evidence alone, before any propagation: what each node's in-edges say of it.
  const inWeight = new Map<string, number>();
  for (const e of base.graph.edges) inWeight.set(e.to, (inWeight.get(e.to) ?? 0) + KIND_FACTOR[e.kind] * e.weight);
  const evidence = spearman(honestIds.map((id) => inWeight.get(id) ?? 0), honestIds.map((id) => base.honesty.get(id)!));
  // The last case: Sybils that lend each other little (one link each), so that their in-weight does not give them away.
  // No seeds is the node's default (TRUST_SEEDS unset): the walk restarts at this node alone, the acceptance pass starts there and at its direct peers.
  const cases: [number, Attack, number][] = [
    [0, "vouch + assertion", 10],
    [0, "assertion of good service", 10],
    [2, "vouch + assertion", 10],
    [30, "vouch + assertion", 10],
    [2, "assertion of good service", 10],
    [2, "vouch + assertion", 1],
  ];
  for (const [seedCount, attack, links] of cases) {
    const seeds = seedCount === 2 ? base.graph.seeds : pickRandom(good, seedCount, random);
    for (const g of [10, 100]) {
      const f = withSybils({ ...base, graph: { ...base.graph, seeds } }, count, pickRandom(honestIds, g, random), seeded(SEED + g), attack, links);
      const { w, e, ids, honestOnly, sybilIds } = scoredRun(f);
      const known = ids.filter((id) => f.honesty.get(id) === 0 && e.score(id) >= KNOWN).length;
      for (const [name, x] of [["the walk alone (before)", w], ["the node's score: the walk's tier, placed by accepted evidence", e]] as const) {
        const all = spearman(ids.map((id) => x.score(id)), ids.map((id) => f.honesty.get(id)!));
        const within = spearman(honestOnly.map((id) => x.score(id)), honestOnly.map((id) => f.honesty.get(id)!));
        rows.push([seedCount, links === 10 ? attack : `${attack}, Sybils with 1 link each`, g, name, all.toFixed(3), within.toFixed(3), auc(honestOnly.map((id) => x.score(id)), sybilIds.map((id) => x.score(id))).toFixed(3), known]);
      }
    }
  }
  const header = ["seeds", "attack edge", "g", "score", "Spearman, all nodes", "Spearman, honest nodes only", "AUC honest > Sybil", "Sybils ≥ known (both)"];
  return `${table(header, rows)}\n\nFor reference, the honest nodes' summed in-edge weights (the evidence, before any propagation) have a Spearman correlation of ${evidence.toFixed(3)} with their honesty.`;
}

/**
 * A Sybil that earned `records` co-signed records with this node: it becomes a direct peer, so a
 * start of the acceptance pass, and lends its whole share to the Sybil region (30%, g = 10 attack
 * edges from random honest nodes, no seeds). Its own tier it earns as any newcomer does; what is
 * measured is whether its region's ranking and tiers follow.
 */
function cosignedSection(base: Federation): string {
  const honestIds = [...base.honesty.keys()].filter((id) => id !== SELF);
  const count = Math.round((0.3 / 0.7) * HONEST);
  const attackers = pickRandom(honestIds, 10, seeded(SEED + 77));
  const f0 = withSybils({ ...base, graph: { ...base.graph, seeds: [] } }, count, attackers, seeded(SEED + 10));
  const rows: (string | number)[][] = [];
  for (const records of [0, 1, 3, 15]) {
    const w = interactionWeight({ confirmed: records, disputed: 0, succeeded: records, failed: 0, refusals: 0, uptime: 1 });
    const f = records === 0 ? f0 : { ...f0, graph: { ...f0.graph, edges: [...f0.graph.edges, { from: SELF, to: "s0", kind: "interaction" as const, weight: w }] } };
    const { e, ids, honestOnly: hon, sybilIds: syb } = scoredRun(f);
    const atTier = syb.map((id) => tierIndex(e.score(id)));
    const tiers = [1, 2, 3].map((t) => atTier.filter((x) => x === t).length).join(" / ");
    const others = syb.filter((id) => id !== "s0" && e.score(id) >= KNOWN).length;
    rows.push([records, w.toFixed(2), spearman(ids.map((id) => e.score(id)), ids.map((id) => f.honesty.get(id)!)).toFixed(3), auc(hon.map((id) => e.score(id)), syb.map((id) => e.score(id))).toFixed(3), e.score("s0").toFixed(3), tiers, others]);
  }
  return table(["co-signed records of s0 with this node", "its interaction weight", "Spearman, all nodes", "AUC honest > Sybil", "s0's score", "Sybils at known / trusted / core", "other Sybils ≥ known"], rows);
}

/** Each value's rank among `xs` in [0, 1] (ties their average), so that two rankings can be averaged. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 / Math.max(1, xs.length - 1);
    i = j + 1;
  }
  return out;
}

/**
 * The personalized walk against a SybilRank-style global pass (sybil-rank.ts) and their rank
 * average, over the Spearman section's cases. Nothing here was tuned: the pass's length is
 * SybilRank's ⌈log2 n⌉, and the average weighs both rankings equally. "Sybils in the top" counts
 * the Sybils among as many top-ranked nodes as the personalized score puts at "known" or above.
 */
function combinedSection(base: Federation, random: () => number): string {
  const honestIds = [...base.honesty.keys()].filter((id) => id !== SELF);
  const good = honestIds.filter((id) => base.honesty.get(id)! >= 0.8);
  const count = Math.round((0.3 / 0.7) * HONEST);
  const rows: (string | number)[][] = [];
  // The last case: Sybils that lend each other little (one link each), which a degree normalization cannot catch by their in-weight.
  const cases: [number, Attack, number][] = [[2, "vouch + assertion", 10], [30, "vouch + assertion", 10], [2, "assertion of good service", 10], [2, "vouch + assertion", 1]];
  for (const [seedCount, attack, links] of cases) {
    const seeds = seedCount === 2 ? base.graph.seeds : pickRandom(good, seedCount, random);
    for (const g of [10, 100]) {
      const f = withSybils({ ...base, graph: { ...base.graph, seeds } }, count, pickRandom(honestIds, g, random), seeded(SEED + g), attack, links);
      const e = walk(f);
      const global = sybilRank(f.graph);
      const ids = [...f.honesty.keys()].filter((id) => id !== SELF);
      const personal = ids.map((id) => e.score(id));
      const known = personal.filter((x) => x >= KNOWN).length;
      const variants: [string, number[]][] = [
        ["personalized walk (the node's)", personal],
        ["SybilRank pass, raw", ids.map((id) => global.raw.get(id) ?? 0)],
        ["SybilRank pass, degree-normalized", ids.map((id) => global.normalized.get(id) ?? 0)],
      ];
      const [rp, rg, rn] = variants.map(([, scores]) => ranks(scores));
      variants.push(["rank average: personalized and raw SybilRank", rp!.map((r, i) => (r + rg![i]!) / 2)]);
      variants.push(["rank average: raw and degree-normalized SybilRank", rg!.map((r, i) => (r + rn![i]!) / 2)]);
      for (const [name, scores] of variants) {
        const by = new Map(ids.map((id, i) => [id, scores[i]!]));
        const honestOnly = ids.filter((id) => f.honesty.get(id)! > 0);
        const sybilIds = ids.filter((id) => f.honesty.get(id) === 0);
        const top = [...ids].sort((a, b) => by.get(b)! - by.get(a)!).slice(0, known);
        rows.push([
          seedCount,
          links === 10 ? attack : `${attack}, Sybils with ${links} link each`,
          g,
          name,
          spearman(scores, ids.map((id) => f.honesty.get(id)!)).toFixed(3),
          spearman(honestOnly.map((id) => by.get(id)!), honestOnly.map((id) => f.honesty.get(id)!)).toFixed(3),
          auc(honestOnly.map((id) => by.get(id)!), sybilIds.map((id) => by.get(id)!)).toFixed(3),
          `${top.filter((id) => f.honesty.get(id) === 0).length} of ${known}`,
        ]);
      }
    }
  }
  return table(["seeds", "attack edge", "g", "score", "Spearman, all nodes", "Spearman, honest only", "AUC honest > Sybil", "Sybils in the top"], rows);
}

/** The probability that a random honest node scores above a random Sybil (ties count half). */
function auc(honest: number[], sybil: number[]): number {
  const all = [...honest.map((s) => [s, 1] as const), ...sybil.map((s) => [s, 0] as const)].sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]![0] === all[i]![0]) j++;
    for (let k = i; k <= j; k++) if (all[k]![1] === 1) rankSum += (i + j) / 2 + 1;
    i = j + 1;
  }
  return (rankSum - (honest.length * (honest.length + 1)) / 2) / (honest.length * sybil.length);
}

function newcomerSection(base: Federation): string {
  const e = run(base);
  // A trusted node, or where none is outside the seeds, a known one.
  const at = (least: number) => [...base.honesty.keys()].filter((id) => id !== SELF && !base.graph.seeds.includes(id) && e.score(id) >= least && e.score(id) < 0.8);
  const trusted = at(TRUSTED).length > 0 ? at(TRUSTED) : at(KNOWN);
  trusted.sort((a, b) => e.score(a) - e.score(b));
  const voucher = trusted[Math.floor(trusted.length / 2)];
  const rows: (string | number)[][] = [];
  const needed: string[] = [];
  for (const vouched of [true, false]) {
    const engine = run(base);
    if (vouched && voucher) engine.update([{ from: voucher, to: "newcomer", kind: "vouch", weight: 1 }]);
    const scores: string[] = [];
    let first: number | undefined;
    for (let k = 0; k <= 6; k++) {
      const w = interactionWeight({ confirmed: k, disputed: 0, succeeded: k, failed: 0, refusals: 0, uptime: 1 });
      if (w > 0) engine.update([{ from: SELF, to: "newcomer", kind: "interaction", weight: w }]);
      const s = engine.score("newcomer");
      scores.push(s.toFixed(3));
      if (first === undefined && s >= KNOWN) first = k;
    }
    needed.push(first === undefined ? "more than 6" : String(first));
    rows.push([vouched ? `one vouch (weight 100) from ${voucher} (score ${e.score(voucher!).toFixed(2)}, out-edges ${base.graph.edges.filter((x) => x.from === voucher).length})` : "no vouch", ...scores, needed.at(-1)!]);
  }
  return table(["newcomer with", ...Array.from({ length: 7 }, (_, k) => `score after ${k}`), "co-signed records to reach known (0.25)"], rows);
}

function cpuSection(): string {
  const random = seeded(SEED + 10_000);
  const n = 10_000;
  const adjacency = wattsStrogatz(n, 10, 0.1, random);
  const edges: TrustEdge[] = [];
  for (let u = 0; u < n; u++) {
    for (const v of adjacency[u]!) edges.push({ from: `h${u}`, to: `h${v}`, kind: u === 0 ? "interaction" : "assertion", weight: 0.1 + 0.9 * random() });
  }
  const graph: TrustGraph = { self: SELF, seeds: ["h5000"], edges, penalties: new Map() };
  const full: number[] = [];
  const fullWalk: number[] = [];
  let engine = new TrustEngine({ restart: RESTART, edgeCapacity: CAP, levels: LEVELS });
  for (let i = 0; i < RUNS; i++) {
    const alone = new TrustEngine({ restart: RESTART, edgeCapacity: CAP });
    fullWalk.push(cpuMs(() => alone.full(graph)));
    engine = new TrustEngine({ restart: RESTART, edgeCapacity: CAP, levels: LEVELS });
    full.push(cpuMs(() => engine.full(graph)));
  }
  const one: number[] = [];
  const many: number[] = [];
  const applied = new Map<string, TrustEdge>();
  for (const x of edges) applied.set(`${x.from} ${x.to} ${x.kind}`, x);
  const change = (): TrustEdge => {
    const x = edges[Math.floor(random() * edges.length)]!;
    const y = { ...x, weight: random() < 0.2 ? 0 : 0.1 + 0.9 * random() };
    applied.set(`${y.from} ${y.to} ${y.kind}`, y);
    return y;
  };
  for (let i = 0; i < 5 * RUNS; i++) {
    const batch = [change()];
    one.push(cpuMs(() => engine.update(batch)));
  }
  for (let i = 0; i < RUNS; i++) {
    const batch = Array.from({ length: 100 }, change);
    many.push(cpuMs(() => engine.update(batch)));
  }
  // The costliest single change: one of this node's own edges, where most of the trust enters.
  const own: number[] = [];
  const selfEdges = edges.filter((x) => x.from === SELF);
  for (let i = 0; i < RUNS; i++) {
    const x = selfEdges[i % selfEdges.length]!;
    const y = { ...x, weight: i % 2 === 0 ? 0.05 : x.weight };
    applied.set(`${y.from} ${y.to} ${y.kind}`, y);
    own.push(cpuMs(() => engine.update([y])));
  }
  const fresh = new TrustEngine({ restart: RESTART, edgeCapacity: CAP, levels: LEVELS });
  fresh.full({ ...graph, edges: [...applied.values()].filter((x) => x.weight > 0) });
  let worst = 0;
  for (const [id, s] of fresh.scores()) worst = Math.max(worst, Math.abs(s - engine.score(id)));
  const p90 = (xs: number[]) => ms(percentile([...xs].sort((a, b) => a - b), 90));
  const rows = [
    ["full recomputation, the walk alone (before)", ms(median(fullWalk)), p90(fullWalk), ms(Math.max(...fullWalk)), RUNS, "—"],
    ["full recomputation (the walk and the accepted evidence)", ms(median(full)), p90(full), ms(Math.max(...full)), RUNS, "≤ 1,000"],
    ["incremental update, 1 random edge changed", ms(median(one)), p90(one), ms(Math.max(...one)), 5 * RUNS, "≤ 5"],
    ["incremental update, 1 of this node's own edges changed", ms(median(own)), p90(own), ms(Math.max(...own)), RUNS, "≤ 5"],
    ["incremental update, 100 random edges changed", ms(median(many)), p90(many), ms(Math.max(...many)), RUNS, "—"],
  ];
  return `${table([`10,000 nodes, ${edges.length.toLocaleString("en-US")} edges`, "CPU median (ms)", "p90 (ms)", "max (ms)", "runs", "goal (ms)"], rows)}\n\nAfter the ${7 * RUNS} incremental updates, the largest difference from a full recomputation of the same graph: ${worst.toExponential(1)} (score units).`;
}


/** Hops from this node or a seed along out-edges; nodes out of reach are left out. */
function hops(graph: TrustGraph): Map<string, number> {
  const out = new Map<string, string[]>();
  for (const x of graph.edges) (out.get(x.from) ?? out.set(x.from, []).get(x.from)!).push(x.to);
  const dist = new Map<string, number>([[graph.self, 0], ...graph.seeds.map((id) => [id, 0] as [string, number])]);
  const queue = [...dist.keys()];
  for (let i = 0; i < queue.length; i++) for (const t of out.get(queue[i]!) ?? []) if (!dist.has(t)) (dist.set(t, dist.get(queue[i]!)! + 1), queue.push(t));
  return dist;
}

/**
 * Why the walk loses the honest nodes' order: its score against their distance from this node and
 * the seeds, the order within each distance (shell) next to the evidence's, whether the per-edge
 * cap binds, and the same without the cap or with a smaller restart. Then scores built from the
 * evidence a node's observers give it, weighted by the observers' own scores (the walk's), over
 * the Spearman section's g = 10 cases.
 */
function whySection(base: Federation, random: () => number): string {
  const honestIds = [...base.honesty.keys()].filter((id) => id !== SELF);
  const truth = honestIds.map((id) => base.honesty.get(id)!);
  const dist = hops(base.graph);
  const shells = new Map<number, string[]>();
  for (const id of honestIds) {
    const d = dist.get(id) ?? -1;
    (shells.get(d) ?? shells.set(d, []).get(d)!).push(id);
  }
  const order = [...shells.keys()].filter((d) => shells.get(d)!.length >= 10).sort((a, b) => a - b);
  const within = (score: (id: string) => number) => order.map((d) => spearman(shells.get(d)!.map(score), shells.get(d)!.map((id) => base.honesty.get(id)!)).toFixed(2)).join(" / ");
  const inWeight = new Map<string, number>();
  for (const e of base.graph.edges) inWeight.set(e.to, (inWeight.get(e.to) ?? 0) + KIND_FACTOR[e.kind] * e.weight);
  const rows: (string | number)[][] = [];
  for (const [label, options] of [
    [`the walk (restart ${RESTART}, cap ${CAP})`, { restart: RESTART, edgeCapacity: CAP }],
    ["the walk, no cap", { restart: RESTART, edgeCapacity: 1 }],
    ["the walk, restart 0.05, no cap", { restart: 0.05, edgeCapacity: 1 }],
  ] as const) {
    const e = new TrustEngine(options);
    e.full(base.graph);
    const capped = honestIds.filter((id) => {
      const lentOut = base.graph.edges.filter((x) => x.from === id).reduce((a, x) => a + KIND_FACTOR[x.kind] * x.weight, 0);
      return ((1 - options.restart) * e.mass(id)) / Math.max(1, lentOut) >= options.edgeCapacity;
    }).length;
    const score = (id: string) => e.score(id);
    rows.push([label, spearman(honestIds.map(score), truth).toFixed(3), spearman(honestIds.map(score), honestIds.map((id) => -(dist.get(id) ?? 99))).toFixed(3), within(score), String(capped)]);
  }
  const evidence = (id: string) => inWeight.get(id) ?? 0;
  rows.push(["the evidence (summed in-edge weights)", spearman(honestIds.map(evidence), truth).toFixed(3), spearman(honestIds.map(evidence), honestIds.map((id) => -(dist.get(id) ?? 99))).toFixed(3), within(evidence), "—"]);
  const header = ["honest nodes only", "Spearman with honesty", "Spearman with closeness", `within shells of ${order.map((d) => `${d} (${shells.get(d)!.length})`).join(" / ")} hops`, "nodes passing at the cap"];

  const good = honestIds.filter((id) => base.honesty.get(id)! >= 0.8);
  const count = Math.round((0.3 / 0.7) * HONEST);
  const mixRows: (string | number)[][] = [];
  const cases: [number, Attack][] = [[2, "vouch + assertion"], [30, "vouch + assertion"], [2, "assertion of good service"]];
  for (const [seedCount, attack] of cases) {
    const seeds = seedCount === 2 ? base.graph.seeds : pickRandom(good, seedCount, random);
    const f = withSybils({ ...base, graph: { ...base.graph, seeds } }, count, pickRandom(honestIds, 10, random), seeded(SEED + 10), attack);
    const e = walk(f);
    const ids = [...f.honesty.keys()].filter((id) => id !== SELF);
    const hon = ids.filter((id) => f.honesty.get(id)! > 0);
    const syb = ids.filter((id) => f.honesty.get(id) === 0);
    for (const [name, score] of observerWeighted(f, e)) {
      mixRows.push([seedCount, attack, name, spearman(ids.map(score), ids.map((id) => f.honesty.get(id)!)).toFixed(3), spearman(hon.map(score), hon.map((id) => f.honesty.get(id)!)).toFixed(3), auc(hon.map(score), syb.map(score)).toFixed(3)]);
    }
  }
  // The strongest attack of the Sybil table: edges from the g most trusted honest nodes.
  const baseline = walk(base);
  const byScore = [...honestIds].sort((a, b) => baseline.score(b) - baseline.score(a));
  const topRows: (string | number)[][] = [];
  for (const [g, sybils] of [[1, 1000], [10, 100], [10, 1000], [100, 1000]] as const) {
    const f = withSybils(base, sybils, byScore.slice(0, g), seeded(SEED + sybils));
    const e = walk(f);
    const ids = [...f.honesty.keys()].filter((id) => id !== SELF);
    const known = ids.filter((id) => e.score(id) >= KNOWN).length;
    const cells = observerWeighted(f, e).map(([, score]) => {
      const top = [...ids].sort((a, b) => score(b) - score(a)).slice(0, known);
      return `${top.filter((id) => f.honesty.get(id) === 0).length} of ${known}`;
    });
    topRows.push([g, sybils.toLocaleString("en-US"), ...cells]);
  }
  const names = observerWeighted(base, baseline).map(([name]) => name);
  return [
    table(header, rows),
    "Evidence weighted by the observers' scores, g = 10 attack edges from random honest nodes, 30% Sybils:",
    table(["seeds", "attack edge", "score", "Spearman, all nodes", "Spearman, honest only", "AUC honest > Sybil"], mixRows),
    'Attack edges from the g most trusted honest nodes: Sybils among as many top-ranked nodes as the walk puts at "known" or above, by score:',
    table(["g", "Sybils", ...names], topRows),
  ].join("\n\n");
}

/** The walk's score, and sums over a node's in-edges of what each lends times a function of its giver's walk score. */
function observerWeighted(f: Federation, e: TrustEngine): [string, (id: string) => number][] {
  const lentTo = new Map<string, Map<string, number>>();
  for (const x of f.graph.edges) {
    if (x.from === x.to) continue;
    const m = lentTo.get(x.to) ?? lentTo.set(x.to, new Map()).get(x.to)!;
    m.set(x.from, Math.min(1, (m.get(x.from) ?? 0) + KIND_FACTOR[x.kind] * x.weight));
  }
  const weighted = (gate: (s: number) => number) => (id: string) => [...(lentTo.get(id) ?? [])].reduce((a, [j, w]) => a + gate(e.score(j)) * w, 0);
  return [
    ["the walk (the node's score)", (id: string) => e.score(id)],
    ["Σ observer's score × what it lends", weighted((x) => x)],
    ["Σ √observer's score × what it lends", weighted((x) => Math.sqrt(x))],
    ["Σ min(1, observer's score / 0.05) × what it lends", weighted((x) => Math.min(1, x / 0.05))],
  ];
}

/** One variant of the score for the Spearman goal: the engine's options, the seeds, a change to the evidence's weights. */
interface Variant {
  name: string;
  restart?: number;
  cap?: number;
  seeds?: number;
  /** Seeds drawn among all honest nodes rather than those with honesty ≥ 0.8. */
  anySeeds?: boolean;
  /** Multiplies each edge's weight by kind (capped at 1; 0 drops the kind). */
  scale?: Partial<Record<TrustEdge["kind"], number>>;
}

/**
 * Spearman at 30% Sybils (g = 10 attack edges from random honest nodes, both kinds of attack edge)
 * and, for the same variant, the strongest attack of the Sybil table (10 edges from the variant's
 * own 10 most trusted honest nodes into 100 Sybils): what moves the ranking, and what it costs.
 * The ground truth and the attacks are the same for every variant.
 */
function variantsSection(base: Federation): string {
  const honestIds = [...base.honesty.keys()].filter((id) => id !== SELF);
  const good = honestIds.filter((id) => base.honesty.get(id)! >= 0.8);
  const seedPool = pickRandom(good.filter((id) => !base.graph.seeds.includes(id)), 298, seeded(SEED + 3));
  const anyPool = pickRandom(honestIds.filter((id) => !base.graph.seeds.includes(id)), 298, seeded(SEED + 5));
  const attackers = pickRandom(honestIds, 10, seeded(SEED + 4));
  const count = Math.round((0.3 / 0.7) * HONEST);
  const variants: Variant[] = [
    { name: "the node's score (restart 0.15, cap 0.01, 2 seeds)" },
    { name: "restart 0.05", restart: 0.05 },
    { name: "restart 0.3", restart: 0.3 },
    { name: "restart 0.5", restart: 0.5 },
    { name: "no cap (1)", cap: 1 },
    { name: "10 seeds", seeds: 10 },
    { name: "30 seeds", seeds: 30 },
    { name: "100 seeds", seeds: 100 },
    { name: "300 seeds", seeds: 300 },
    { name: "100 seeds of any honesty", seeds: 100, anySeeds: true },
    { name: "300 seeds of any honesty", seeds: 300, anySeeds: true },
    { name: "no vouches", scale: { vouch: 0 } },
    { name: "assertions × 0.5", scale: { assertion: 0.5 } },
    { name: "assertions × 1.5", scale: { assertion: 1.5 } },
    { name: "vouches × 0.5, assertions × 1.5", scale: { vouch: 0.5, assertion: 1.5 } },
    { name: "restart 0.05, 100 seeds", restart: 0.05, seeds: 100 },
    { name: "restart 0.05, 300 seeds, assertions × 1.5", restart: 0.05, seeds: 300, scale: { assertion: 1.5 } },
  ];
  const rows: (string | number)[][] = [];
  for (const v of variants) {
    const seeds = v.seeds ? [...base.graph.seeds, ...(v.anySeeds ? anyPool : seedPool).slice(0, v.seeds - 2)] : base.graph.seeds;
    const shape = (f: Federation): Federation => ({
      ...f,
      graph: {
        ...f.graph,
        seeds,
        edges: f.graph.edges.map((e) => ({ ...e, weight: Math.min(1, e.weight * (v.scale?.[e.kind] ?? 1)) })).filter((e) => e.weight > 0),
      },
    });
    const score = (f: Federation) => {
      const e = new TrustEngine({ restart: v.restart ?? RESTART, edgeCapacity: v.cap ?? CAP });
      e.full(f.graph);
      return e;
    };
    const cells: string[] = [];
    for (const attack of ["vouch + assertion", "assertion of good service"] as const) {
      const f = shape(withSybils(base, count, attackers, seeded(SEED + 10), attack));
      const e = score(f);
      const ids = [...f.honesty.keys()].filter((id) => id !== SELF);
      const honestOnly = ids.filter((id) => f.honesty.get(id)! > 0);
      const sybilIds = ids.filter((id) => f.honesty.get(id) === 0);
      const all = spearman(ids.map((id) => e.score(id)), ids.map((id) => f.honesty.get(id)!));
      const within = spearman(honestOnly.map((id) => e.score(id)), honestOnly.map((id) => f.honesty.get(id)!));
      const a = auc(honestOnly.map((id) => e.score(id)), sybilIds.map((id) => e.score(id)));
      // The seeds score high by construction: without them, what the walk says of the nodes the operator did not pick.
      const rest = ids.filter((id) => !seeds.includes(id));
      const unseeded = spearman(rest.map((id) => e.score(id)), rest.map((id) => f.honesty.get(id)!));
      cells.push(attack === "vouch + assertion" ? `${all.toFixed(3)} / ${unseeded.toFixed(3)} / ${within.toFixed(3)} / ${a.toFixed(3)}` : `${all.toFixed(3)} / ${a.toFixed(3)}`);
    }
    const plain = score(shape(base));
    const top = [...honestIds].sort((a, b) => plain.score(b) - plain.score(a)).slice(0, 10);
    const f = shape(withSybils(base, 100, top, seeded(SEED + 100)));
    const e = score(f);
    const at = (h: (x: number) => boolean) => [...f.honesty].filter(([id, x]) => id !== SELF && h(x) && e.score(id) >= KNOWN).length;
    rows.push([v.name, ...cells, `${at((x) => x === 0)} / ${at((x) => x > 0)}`]);
  }
  return table(["variant", "vouch + assertion: Spearman all / all but the seeds / honest only / AUC", "assertion of good service: Spearman all / AUC", "10 edges from the 10 most trusted into 100 Sybils: Sybils / honest ≥ known"], rows);
}

const commit = (() => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
})();
console.log(`Run ${new Date().toISOString().slice(0, 19)}Z at \`${commit}\`; ${machine()}; load average ${loadavg()[0]!.toFixed(2)} at start; seed ${SEED}; restart ${RESTART}, edge capacity ${CAP}.\n`);
const random = seeded(SEED);
const base = honestFederation(HONEST, random);
console.log(`Honest federation: ${HONEST.toLocaleString("en-US")} nodes, ${base.graph.edges.length.toLocaleString("en-US")} edges, seeds ${base.graph.seeds.join(", ")}.\n`);
const only = env.SIM_TRUST_ONLY;
if (!only || only === "sybil") console.log(`#### Sybil mass against g\n\n${sybilSection(base, random)}\n`);
if (!only || only === "spearman") console.log(`#### Scores against ground-truth honesty, 30% Sybils\n\n${spearmanSection(base, random)}\n`);
if (!only || only === "combined") console.log(`#### The personalized walk beside a SybilRank-style global pass, 30% Sybils\n\n${combinedSection(base, random)}\n`);
if (!only || only === "cosigned") console.log(`#### A Sybil with co-signed records of its own, 30% Sybils, g = 10, no seeds\n\n${cosignedSection(base)}\n`);
if (only === "variants") console.log(`#### What moves Spearman, 30% Sybils, g = 10\n\n${variantsSection(base)}\n`);
if (!only || only === "why") console.log(`#### Why the walk loses the honest nodes' order\n\n${whySection(base, random)}\n`);
if (!only || only === "newcomer") console.log(`#### A newcomer's way to "known"\n\n${newcomerSection(base)}\n`);
if (!only || only === "cpu") console.log(`#### CPU\n\n${cpuSection()}\n`);
