// Scoped vouches (src/node/trust/scope-scores.ts): a vouch for a tag lifts its subject for tools
// with that tag only, keeps the engine's Sybil bound, and costs nothing when strangers mint scopes.
// Then on a real libSQL store: the node's scores, computed on the tick, read back by provider
// choice's port, and dropped when the scoped vouch is withdrawn.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { Registry } from "../../src/node/registry/registry.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { expiryAfter, publishTrust, withdrawTrust } from "../../src/node/trust/publish.ts";
import { MAX_SCOPES, scopedGraph, scopeScores, scopesToScore, type ScopedEdge } from "../../src/node/trust/scope-scores.ts";
import { TrustScores } from "../../src/node/trust/scores.ts";
import { TrustEngine } from "../../src/node/trust/scoring/engine.ts";
import type { TrustEdge, TrustGraph } from "../../src/node/trust/scoring/graph.ts";
import { tiersSetting } from "../../src/node/trust/tiers.ts";
import { seeded } from "../support/random.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";

const edge = (from: string, to: string, weight = 1, kind: TrustEdge["kind"] = "interaction"): TrustEdge => ({ from, to, kind, weight });
const scoped = (scope: string, from: string, to: string, weight = 1): ScopedEdge => ({ scope, edge: edge(from, to, weight, "vouch") });
const graph = (edges: TrustEdge[]): TrustGraph => ({ self: "me", seeds: [], edges, penalties: new Map() });

/** An honest ring of `n` nodes, this node peering with the first five. */
function honest(n: number): TrustEdge[] {
  const edges: TrustEdge[] = [];
  for (let i = 0; i < 5; i++) edges.push(edge("me", `h${i}`));
  for (let i = 0; i < n; i++) edges.push(edge(`h${i}`, `h${(i + 1) % n}`), edge(`h${(i + 1) % n}`, `h${i}`, 0.8));
  return edges;
}

/** `count` Sybils vouching for each other in bulk in `scope` (a ring and random chords). */
function sybilScope(scope: string, count: number, random = seeded(11)): ScopedEdge[] {
  const out: ScopedEdge[] = [];
  for (let i = 0; i < count; i++) {
    out.push(scoped(scope, `s${i}`, `s${(i + 1) % count}`));
    for (let k = 0; k < 3; k++) out.push(scoped(scope, `s${i}`, `s${Math.floor(random() * count)}`));
  }
  return out;
}

const generalOf = (g: TrustGraph) => {
  const e = new TrustEngine();
  e.full(g);
  return e.scores();
};

describe("scoped vouches in the scores", () => {
  it("lift their subject for their scope only, and leave the general scores as they are", () => {
    const g = graph([...honest(20), edge("h3", "q", 0.3)]);
    const general = generalOf(g);
    const lifted = scopeScores(g, [scoped("search", "h0", "p"), scoped("search", "h1", "q")], general);
    expect([...lifted.keys()]).toEqual(["search"]);
    const search = lifted.get("search")!;
    expect(general.get("p") ?? 0).toBe(0);
    expect(search.get("p")).toBeGreaterThan(0.1);
    // q had some general trust: the scope adds to it.
    expect(search.get("q")).toBeGreaterThan(general.get("q")!);
    // Only nodes the scope lifts are kept: the honest ring is not repeated per scope.
    expect([...search.keys()].sort()).toEqual(["p", "q"]);
    expect(lifted.has("translate")).toBe(false);
  });

  it("keep the Sybil bound: a region's mass in a scope is capped by the edges into it, whatever its identities vouch in bulk", () => {
    const cap = 0.01;
    const restart = 0.15;
    const general = [edge("me", "s0"), edge("h7", "s1", 0.5)];
    const intoScope = [scoped("x", "h2", "s2"), scoped("x", "h9", "s3")];
    const masses = [100, 2000].map((count) => {
      const g = graph([...honest(40), ...general]);
      const e = new TrustEngine({ edgeCapacity: cap, restart });
      e.full(scopedGraph(g, "x", [...intoScope, ...sybilScope("x", count)]));
      return Array.from({ length: count }, (_, i) => e.mass(`s${i}`)).reduce((a, b) => a + b, 0);
    });
    // Four edges into the region: two general, two scoped.
    expect(masses[0]).toBeLessThanOrEqual((4 * cap) / restart + 1e-9);
    expect(masses[0]).toBeGreaterThan(0);
    expect(Math.abs(masses[1]! - masses[0]!) / masses[0]!).toBeLessThan(1e-3);
  });

  it("give a Sybil region that vouches only within itself in a scope no more than its one edge in carries, and move no honest score", () => {
    const cap = 0.01;
    const restart = 0.15;
    const g = graph([...honest(40), edge("h7", "s0", 0.5)]);
    const general = generalOf(g);
    const e = new TrustEngine({ edgeCapacity: cap, restart });
    e.full(scopedGraph(g, "x", sybilScope("x", 300)));
    const region = Array.from({ length: 300 }, (_, i) => e.mass(`s${i}`)).reduce((a, b) => a + b, 0);
    // One edge of weight 0.5 into the region.
    expect(region).toBeLessThanOrEqual((0.5 * cap) / restart + 1e-9);
    // Within the engine's tolerance (1e-3).
    for (let i = 0; i < 40; i++) expect(e.score(`h${i}`)).toBeCloseTo(general.get(`h${i}`)!, 3);
  });

  it("compute at most MAX_SCOPES scopes, those backed by the most trust, and none minted by nodes without trust", () => {
    const general = new Map([
      ["t1", 0.6],
      ["t2", 0.3],
    ]);
    const strangers = Array.from({ length: 200 }, (_, i) => scoped(`spam${i}`, `z${i}`, "p"));
    expect(scopesToScore(strangers, general)).toEqual([]);
    const backed = Array.from({ length: 20 }, (_, i) => scoped(`tag${String(i).padStart(2, "0")}`, i < 10 ? "t1" : "t2", "p", 1 - i / 100));
    const chosen = scopesToScore([...strangers, ...backed], general);
    expect(chosen).toHaveLength(MAX_SCOPES);
    // Backed by t1 (0.6) before t2 (0.3), and by the heavier vouch within each.
    expect(chosen).toEqual(Array.from({ length: MAX_SCOPES }, (_, i) => `tag${String(i).padStart(2, "0")}`));
    expect(chosen.some((s) => s.startsWith("spam"))).toBe(false);
  });
});

describe("a node's scoped scores", () => {
  const NOW_MS = 1_767_225_600_000;
  let me: TestIdentity;
  let voucher: TestIdentity;
  let provider: string;
  let database: TestDatabase;
  let scores: TrustScores;
  let theirs: Registry;
  let registry: Registry;
  const keyring = new TestKeyring();

  beforeAll(async () => {
    [me, voucher] = await Promise.all([ed25519TestSigner(), ed25519TestSigner()]);
    provider = (await ed25519TestSigner()).signer.nodeId;
    keyring.add(me, voucher);
    database = await openTestDatabase();
    const clock = () => NOW_MS;
    registry = new Registry({ signer: me.signer, verifier: keyring, store: new EntryRepository(database.db), clock: new HybridClock(clock), now: clock });
    theirs = new Registry({ signer: voucher.signer, verifier: keyring, store: new EntryRepository((await openTestDatabase()).db), clock: new HybridClock(clock), now: clock });
    // This node vouches for the voucher, which vouches for the provider for "search" only.
    await publishTrust({ nodeId: me.signer.nodeId, registry, gossip: { changed: () => {} }, now: clock }, "vouch", { subject: voucher.signer.nodeId, weight: 100, expiresAt: expiryAfter(10, NOW_MS) }, "peers");
    const vouched = await publishTrust({ nodeId: voucher.signer.nodeId, registry: theirs, gossip: { changed: () => {} }, now: clock }, "vouch", { subject: provider, weight: 100, scope: "search", expiresAt: expiryAfter(10, NOW_MS) }, "peers");
    await registry.receive(vouched.map((e) => e.signed), voucher.signer.nodeId);
    scores = new TrustScores({ db: database.db, self: me.signer.nodeId, trust: { seeds: [], halfLifeDays: 30, tiers: tiersSetting.parse("newcomer:0,known:0.25") }, now: () => NOW_MS / 1000 });
  });

  afterAll(() => database?.close());

  it("score a provider higher for a tool tagged with the vouch's scope, and as in general for any other tool", async () => {
    const report = await scores.recompute();
    expect(report.scopes).toBe(1);
    expect((await scores.of(voucher.signer.nodeId)).score).toBeGreaterThan(0.3);
    const general = (await scores.of(provider)).score;
    expect(general).toBe(0);
    expect(await scores.scoreFor(provider, ["search"])).toBeGreaterThan(0.1);
    expect(await scores.scoreFor(provider, ["translate", "search"])).toBe(await scores.scoreFor(provider, ["search"]));
    expect(await scores.scoreFor(provider, ["translate"])).toBe(general);
    expect(await scores.scoreFor(provider, [])).toBe(general);
    // The privileges' tier stays on the general score.
    expect((await scores.of(provider)).tier.name).toBe("newcomer");
    // Explained: the scoped vouch, and the score it gives for its scope.
    const why = await scores.explain(provider);
    expect(why.vouchedBy).toEqual([expect.objectContaining({ origin: voucher.signer.nodeId, scope: "search" })]);
    expect(why.scoped).toEqual([{ scope: "search", score: await scores.scoreFor(provider, ["search"]) }]);
  });

  it("skip the scoped computation on a tick where the scoped vouches did not change, and drop a withdrawn one's lift at once", async () => {
    expect((await scores.recompute()).scopes).toBeUndefined();
    const withdrawn = await withdrawTrust({ nodeId: voucher.signer.nodeId, registry: theirs, gossip: { changed: () => {} }, now: () => NOW_MS }, "vouch", `${provider}/search`);
    await registry.receive(withdrawn.map((e) => e.signed), voucher.signer.nodeId);
    expect((await scores.recompute()).scopes).toBe(0);
    expect(await scores.scoreFor(provider, ["search"])).toBe(0);
  });
});
