// This node's trust scores: the TrustStandings every privilege reads. The tick collects new
// evidence and recomputes (incrementally when only a few edges moved, src/node/trust/scoring/),
// and stores the scores with their tiers; every isolate reads the stored scores through a cache
// of a few seconds, so a hot path pays at most one indexed read per node per interval.
import type { Database } from "../../store/database.ts";
import { storedScore, storedScores, replaceScores, type StoredScore } from "../../store/trust-scores.ts";
import { replaceScopeScores, scopeScoreOf, scopeScoresOfNode } from "../../store/trust-scope-scores.ts";
import { PeerObservations } from "./observations.ts";
import { collectEvidence, gatherEvidence, type CollectReport, type Evidence, type EvidenceParts, type EvidenceSettings, type HeldAssertion, type HeldVouch } from "./evidence.ts";
import { TrustEngine, type EngineOptions, type Explanation } from "./scoring/engine.ts";
import type { InteractionCounts } from "./scoring/evidence.ts";
import type { TrustEdge } from "./scoring/graph.ts";
import { scopedEdges, scopeScores, type ScopedEdge } from "./scope-scores.ts";
import type { ScopedStandings, Standing, TrustStandings } from "./standing.ts";
import { tierOf, type Tier } from "./tiers.ts";

/** Scores kept between computations: the highest; a node below them reads as unknown (0). */
export const MAX_SCORED = 10_000;
/** How long an isolate answers a node's standing from memory. */
const CACHE_MS = 5000;
const CACHE_ENTRIES = 4096;
/** A weight that moved by less than this share of what the engine holds is not re-applied. */
const WEIGHT_MOVE = 0.01;
const PENALTY_MOVE = 0.005;
/** Drift from held weights and the engine's tolerance is reset by a full run at least this often. */
const FULL_EVERY_SECONDS = 3600;
/** How old an isolate's graph may be when it explains a score. */
const EXPLAIN_STALE_SECONDS = 60;
/** Above this share of the edges changed, one full computation beats an incremental one. */
const INCREMENTAL_SHARE = 0.2;
/** Tags of one tool looked up for scoped scores at most. */
const MAX_TOOL_SCOPES = 32;
/**
 * A scoped computation that took longer than this (a large graph: one full engine run per scope)
 * is repeated for changed scoped vouches at most every SCOPED_EVERY_SECONDS; a quick one at once.
 */
const SCOPED_SLOW_MS = 250;
const SCOPED_EVERY_SECONDS = 300;

/** The trust settings scores read, as config.trust holds them. */
export interface ScoreSettings extends EvidenceSettings {
  tiers: readonly Tier[];
}

export interface TrustParts {
  db: Database;
  self: string;
  trust: ScoreSettings;
  /** Unix seconds. */
  now: () => number;
}

export interface RecomputeReport {
  collected: CollectReport;
  mode: "full" | "incremental";
  nodes: number;
  edges: number;
  /** Edges and penalties applied, for an incremental run. */
  changed: number;
  scored: number;
  /** Scopes whose vouches lift some node, when the scoped computation ran on this tick. */
  scopes?: number | undefined;
  durationMs: number;
}

export interface TrustExplanation extends Explanation {
  tier: string;
  /** What this node saw of the node itself, decayed to now; absent when it saw nothing. */
  interactions?: InteractionCounts;
  vouchedBy: { origin: string; weight: number; scope?: string; expiresAt: number }[];
  assertedBy: { origin: string; score: number; tier: string; computedAt: number }[];
  /** Scopes whose vouches lift it above its score, for tools tagged with them: provider choice only. */
  scoped: { scope: string; score: number }[];
  /** Unix seconds of the computation this explanation comes from. */
  computedAt: number;
}

const edgeKey = (e: TrustEdge) => `${e.from}\n${e.to}\n${e.kind}`;

/** What the scoped computation ran on: it runs again when this changes, or with each full run. */
const scopedKey = (edges: readonly ScopedEdge[]) =>
  edges
    .map((x) => `${x.scope}\n${x.edge.from}\n${x.edge.to}\n${x.edge.weight.toFixed(3)}`)
    .sort()
    .join("\n\n");

export class TrustScores implements TrustStandings, ScopedStandings {
  /** What this node observed of its peers since the last tick (relayed calls, refused requests). */
  readonly observed = new PeerObservations();
  #engine: TrustEngine;
  /** The graph the engine holds now, by edge; undefined before this isolate's first computation. */
  #edges: Map<string, TrustEdge> | undefined;
  #penalties = new Map<string, number>();
  #evidence: Evidence | undefined;
  #computedAt = 0;
  /** When the engine last ran in full: incremental runs in between, at most FULL_EVERY_SECONDS. */
  #fullAt = 0;
  #cache = new Map<string, { standing: Standing; at: number }>();
  #scopeCache = new Map<string, { score: number | undefined; at: number }>();
  /** The scoped vouches the stored scope scores were computed from, in this isolate; when, and how long it took. */
  #scopedKey: string | undefined;
  #scopedAt = 0;
  #scopedMs = 0;
  #running: Promise<RecomputeReport> | undefined;
  #rebuilding: Promise<void> | undefined;

  constructor(private readonly p: TrustParts) {
    this.#engine = new TrustEngine(this.#engineOptions());
  }

  /** The tiers' thresholds: the walk decides a node's tier, its accepted evidence its place inside it (engine.ts). */
  #engineOptions(): EngineOptions {
    return { levels: this.p.trust.tiers.map((t) => t.threshold).filter((t) => t > 0 && t < 1) };
  }

  #standing(node: string, score: number): Standing {
    return { node, score, tier: tierOf(this.p.trust.tiers, score) };
  }

  async of(node: string): Promise<Standing> {
    if (node === this.p.self) return this.#standing(node, 1);
    const now = Date.now();
    const hit = this.#cache.get(node);
    if (hit && now - hit.at < CACHE_MS) return hit.standing;
    const row = await storedScore(this.p.db, node);
    const standing = this.#standing(node, row?.score ?? 0);
    if (this.#cache.size >= CACHE_ENTRIES) this.#cache.clear();
    this.#cache.set(node, { standing, at: now });
    return standing;
  }

  /**
   * The node's score for a tool with these tags: its general score, or its score in one of the
   * tags where vouches scoped to it lift it higher. A scoped vouch adds; it never takes away.
   */
  async scoreFor(node: string, scopes: readonly string[]): Promise<number> {
    const general = (await this.of(node)).score;
    if (scopes.length === 0 || node === this.p.self) return general;
    const tags = [...new Set(scopes)].slice(0, MAX_TOOL_SCOPES);
    const key = `${node}\n${tags.join("\n")}`;
    const now = Date.now();
    let hit = this.#scopeCache.get(key);
    if (!hit || now - hit.at >= CACHE_MS) {
      hit = { score: await scopeScoreOf(this.p.db, node, tags), at: now };
      if (this.#scopeCache.size >= CACHE_ENTRIES) this.#scopeCache.clear();
      this.#scopeCache.set(key, hit);
    }
    return Math.max(general, hit.score ?? 0);
  }

  /** The stored scores, highest first, with their tiers as the tiers are set now. */
  async list(limit: number): Promise<(StoredScore & { tier: string })[]> {
    return (await storedScores(this.p.db, limit)).map((r) => ({ ...r, tier: tierOf(this.p.trust.tiers, r.score).name }));
  }

  /** Collects new evidence, recomputes the scores and stores them. Overlapping calls share one run. */
  recompute(): Promise<RecomputeReport> {
    // After a rebuild for explain, never beside it: both set the engine's graph.
    return (this.#running ??= (async () => {
      await this.#rebuilding?.catch(() => undefined);
      return this.#recompute();
    })().finally(() => (this.#running = undefined)));
  }

  async #recompute(): Promise<RecomputeReport> {
    const started = performance.now();
    const now = this.p.now();
    const collected = await collectEvidence(this.#parts(), this.observed, now);
    const evidence = await gatherEvidence(this.#parts(), now);
    const { graph } = evidence;
    const next = new Map(graph.edges.map((e) => [edgeKey(e), e]));
    let mode: RecomputeReport["mode"] = "full";
    let changed = 0;
    if (this.#edges && now - this.#fullAt < FULL_EVERY_SECONDS) {
      // Decay moves every weight a little on every tick: a weight counts as changed once it moved
      // by WEIGHT_MOVE from what the engine holds, so a quiet tick is a small incremental run.
      const edges: TrustEdge[] = [];
      const held = new Map<string, TrustEdge>();
      for (const [k, e] of next) {
        const h = this.#edges.get(k);
        if (h && Math.abs(h.weight - e.weight) <= WEIGHT_MOVE * h.weight) held.set(k, h);
        else {
          edges.push(e);
          held.set(k, e);
        }
      }
      for (const [k, e] of this.#edges) if (!next.has(k)) edges.push({ ...e, weight: 0 });
      const penalties = new Map<string, number>();
      const heldPenalties = new Map<string, number>();
      for (const [n, v] of graph.penalties) {
        const h = this.#penalties.get(n);
        if (h !== undefined && Math.abs(h - v) <= PENALTY_MOVE) heldPenalties.set(n, h);
        else {
          penalties.set(n, v);
          heldPenalties.set(n, v);
        }
      }
      for (const n of this.#penalties.keys()) if (!graph.penalties.has(n)) penalties.set(n, 0);
      changed = edges.length + penalties.size;
      if (edges.length <= Math.max(16, INCREMENTAL_SHARE * next.size)) {
        mode = "incremental";
        if (changed > 0) this.#engine.update(edges, penalties);
        this.#edges = held;
        this.#penalties = heldPenalties;
      }
    }
    if (mode === "full") {
      this.#engine.full(graph);
      this.#edges = next;
      this.#penalties = new Map(graph.penalties);
      this.#fullAt = now;
    }
    this.#evidence = evidence;
    this.#computedAt = now;

    const scored = [...this.#engine.scores()]
      .filter(([n, score]) => n !== this.p.self && score > 0)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_SCORED)
      .map(([node, score]) => ({ node, score, tier: tierOf(this.p.trust.tiers, score).name, penalty: graph.penalties.get(node) ?? 0 }));
    // Nothing the engine holds moved: the stored scores stand as they are.
    if (mode === "full" || changed > 0) {
      await replaceScores(this.p.db, scored, now);
      this.#cache.clear();
    }
    const scopes = await this.#scopeRun(mode, graph, evidence, now);
    return { collected, mode, nodes: this.#engine.scores().size, edges: next.size, changed, scored: scored.length, scopes, durationMs: Math.round(performance.now() - started) };
  }

  /**
   * Scores for scoped vouches, with each full run and when the scoped vouches changed (so a quiet
   * incremental tick costs nothing here; on a large graph, at most every SCOPED_EVERY_SECONDS):
   * between full runs, scope scores lag the general graph's decay and small moves by at most
   * FULL_EVERY_SECONDS. Undefined when it did not run.
   */
  async #scopeRun(mode: RecomputeReport["mode"], graph: Evidence["graph"], evidence: Evidence, now: number): Promise<number | undefined> {
    const edges = scopedEdges(evidence.vouches, now, this.p.trust.halfLifeDays);
    const key = scopedKey(edges);
    if (mode !== "full" && (key === this.#scopedKey || (this.#scopedMs > SCOPED_SLOW_MS && now - this.#scopedAt < SCOPED_EVERY_SECONDS))) return undefined;
    const started = performance.now();
    const lifted = scopeScores(graph, edges, this.#engine.scores(), this.#engineOptions());
    this.#scopedMs = performance.now() - started;
    this.#scopedAt = now;
    await replaceScopeScores(
      this.p.db,
      [...lifted].flatMap(([scope, nodes]) => [...nodes].map(([node, score]) => ({ scope, node, score }))),
    );
    this.#scopedKey = key;
    this.#scopeCache.clear();
    return lifted.size;
  }

  #parts(): EvidenceParts {
    return { db: this.p.db, self: this.p.self, trust: this.p.trust };
  }

  /** Why a node has its score: the evidence flowing into it, its penalty and what its vouches cost it. */
  async explain(node: string, limit = 10): Promise<TrustExplanation> {
    // An isolate whose graph is missing or old (Workers: another isolate ran the tick) builds it
    // again, without collecting or storing; readers share one build, and it serves a minute.
    await this.#running?.catch(() => undefined);
    if (!this.#evidence || this.p.now() - this.#computedAt > EXPLAIN_STALE_SECONDS) await (this.#rebuilding ??= this.#rebuild().finally(() => (this.#rebuilding = undefined)));
    const scoped = await scopeScoresOfNode(this.p.db, node);
    return { ...describe(this.#engine.explain(node, limit), this.#evidence!, this.p.trust, this.#computedAt), scoped };
  }

  async #rebuild(): Promise<void> {
    const now = this.p.now();
    const evidence = await gatherEvidence(this.#parts(), now);
    this.#engine.full(evidence.graph);
    this.#fullAt = now;
    this.#edges = new Map(evidence.graph.edges.map((e) => [edgeKey(e), e]));
    this.#penalties = new Map(evidence.graph.penalties);
    this.#evidence = evidence;
    this.#computedAt = now;
  }
}

function describe(x: Explanation, evidence: Evidence, trust: ScoreSettings, computedAt: number): Omit<TrustExplanation, "scoped"> {
  const interactions = evidence.counts.get(x.node);
  return {
    ...x,
    tier: tierOf(trust.tiers, x.score).name,
    ...(interactions ? { interactions } : {}),
    vouchedBy: evidence.vouches
      .filter((v: HeldVouch) => v.subject === x.node)
      .map((v) => ({ origin: v.origin, weight: v.weight, ...(v.scope ? { scope: v.scope } : {}), expiresAt: v.expiresAt })),
    assertedBy: evidence.assertions.filter((a: HeldAssertion) => a.subject === x.node).map((a) => ({ origin: a.origin, score: a.score, tier: a.tier, computedAt: a.computedAt })),
    computedAt,
  };
}
