// The privileges trust gives, over a TrustStandings that answers fixed standings (the port's whole
// contract) and a real libSQL store: per-tier credit and rate limits, warnings weighed by their
// warners' trust, quarantine, PEER_POLICY=trust, relaying onward by tier, and provider choice.
import { describe, expect, it } from "vitest";
import { ProviderStats } from "../../src/node/relay/choice.ts";
import { admit } from "../../src/node/peers/policy.ts";
import { checkAllowance, chargeOf, QUOTA_WINDOW_SECONDS, type AllowancePort } from "../../src/node/trust/peer-allowance.ts";
import { rateCounters } from "../../src/store/schema/access.ts";
import { Quarantine } from "../../src/node/trust/quarantine.ts";
import { withheldOrigins } from "../../src/node/trust/onward.ts";
import type { TrustStandings } from "../../src/node/trust/standing.ts";
import { perTierSetting, tiersSetting, tierOf } from "../../src/node/trust/tiers.ts";
import { warnedNodes, type Warning } from "../../src/node/trust/warnings.ts";
import { RateLimiter } from "../../src/node/access/limits/limiter.ts";
import { memoryDb } from "../support/libsql.ts";
import { seeded } from "../support/random.ts";

const tiers = tiersSetting.parse("newcomer:0,known:0.25,trusted:0.5,core:0.8");

/** The port over a real limiter, which the tests also read the counts from. */
type Limited = AllowancePort & { counter: RateLimiter };

function fixed(scores: Record<string, number>): TrustStandings {
  return { of: async (node) => ({ node, score: scores[node] ?? 0, tier: tierOf(tiers, scores[node] ?? 0) }) };
}

describe("per-tier credit and rate limits", () => {
  const perTier = (text: string | undefined) => perTierSetting.parse(text ?? "");
  const port = async (scores: Record<string, number>, limits: { rate?: string; quota?: string; credit?: string }, owed: Record<string, number> = {}): Promise<Limited> => {
    const db = await memoryDb();
    const limiter = new RateLimiter(db, 60_000);
    return {
      trust: fixed(scores),
      limits: { rateLimits: perTier(limits.rate), dailyQuotas: perTier(limits.quota), creditLimits: perTier(limits.credit) },
      counter: limiter,
      owed: async (peer, unit) => owed[`${peer}/${unit}`] ?? 0,
    };
  };

  it("refuses a priced call that would take the peer past its tier's credit, and lets a cheaper one through", async () => {
    const s = await port({ p: 0.3 }, { credit: "newcomer:0,known:100" }, { "p/credit": 90 });
    expect(await checkAllowance(s, "p", { amount: 10, unit: "credit" })).toBeUndefined();
    const over = await checkAllowance(s, "p", { amount: 11, unit: "credit" });
    expect(over).toMatchObject({ code: "credit_limit" });
    expect(over!.message).toContain("owes 90");
    // Another unit is another debt.
    expect(await checkAllowance(s, "p", { amount: 11, unit: "usd-micro" })).toBeUndefined();
  });

  it("gives a newcomer the newcomer's credit, and a tier without an entry no limit", async () => {
    const s = await port({ n: 0.1, t: 0.6 }, { credit: "newcomer:0,known:100" });
    expect(await checkAllowance(s, "n", { amount: 1, unit: "credit" })).toMatchObject({ code: "credit_limit" });
    expect(await checkAllowance(s, "t", { amount: 1_000_000, unit: "credit" })).toBeUndefined();
  });

  it("never counts a free call or one under a grant against credit", async () => {
    const s = await port({ n: 0 }, { credit: "newcomer:0" });
    expect(chargeOf({ model: "free" })).toBeUndefined();
    expect(chargeOf({ model: "subscription", grant: "a".repeat(64), unit: "credit" })).toBeUndefined();
    expect(chargeOf({ model: "per_call", amount: 0, unit: "credit" })).toBeUndefined();
    expect(chargeOf({ model: "per_time", amount: 3, per: "second", unit: "credit" })).toEqual({ amount: 3, unit: "credit" });
    expect(await checkAllowance(s, "n", undefined)).toBeUndefined();
  });

  it("takes a tier's calls per minute, refuses the next without counting it, and keeps peers apart", async () => {
    const s = await port({ a: 0.3, b: 0.3, c: 0.9 }, { rate: "known:3" });
    for (let i = 0; i < 3; i++) expect(await checkAllowance(s, "a", undefined)).toBeUndefined();
    const refused = await checkAllowance(s, "a", undefined);
    expect(refused).toMatchObject({ code: "rate_limited" });
    expect(refused!.message).toContain("3 requests in any minute from its known peers");
    // The refusal was not counted: the window still holds three.
    expect(await s.counter.peek("trust-rate|a", 60)).toBe(3);
    expect(await checkAllowance(s, "b", undefined)).toBeUndefined();
    // core has no entry: no per-tier limit.
    for (let i = 0; i < 10; i++) expect(await checkAllowance(s, "c", undefined)).toBeUndefined();
  });
});

describe("per-tier daily quotas", () => {
  const port = async (scores: Record<string, number>, limits: { rate?: string; quota?: string }): Promise<Limited> => ({
    trust: fixed(scores),
    limits: { rateLimits: perTierSetting.parse(limits.rate ?? ""), dailyQuotas: perTierSetting.parse(limits.quota ?? ""), creditLimits: new Map() },
    counter: new RateLimiter(await memoryDb(), 60_000),
    owed: async () => 0,
  });

  it("takes a tier's requests of any 24 hours, refuses the next until the first leaves without counting it, and keeps peers apart", async () => {
    const s = await port({ a: 0.1, b: 0.1, c: 0.6 }, { quota: "newcomer:4,known:100" });
    for (let i = 0; i < 4; i++) expect(await checkAllowance(s, "a", undefined)).toBeUndefined();
    const refused = await checkAllowance(s, "a", undefined);
    expect(refused).toMatchObject({ code: "quota_exceeded" });
    expect(refused!.message).toContain("4 requests in any 24 hours from its newcomer peers");
    // Until the first four leave the window: a day, plus at most one slot (a fiftieth of it).
    const retry = (refused as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(retry).toBeGreaterThan(86_400 - 60);
    expect(retry).toBeLessThanOrEqual(86_400 + 86_400 / 50);
    expect(await s.counter.peek("trust-quota|a", QUOTA_WINDOW_SECONDS)).toBe(4);
    expect(await checkAllowance(s, "b", undefined)).toBeUndefined();
    // trusted has no entry: no quota.
    for (let i = 0; i < 10; i++) expect(await checkAllowance(s, "c", undefined)).toBeUndefined();
  });

  it("counts a request refused by either the rate or the quota against neither", async () => {
    const s = await port({ a: 0.1, b: 0.1 }, { rate: "newcomer:2", quota: "newcomer:3" });
    for (let i = 0; i < 2; i++) expect(await checkAllowance(s, "a", undefined)).toBeUndefined();
    expect(await checkAllowance(s, "a", undefined)).toMatchObject({ code: "rate_limited" });
    expect(await s.counter.peek("trust-quota|a", QUOTA_WINDOW_SECONDS)).toBe(2);

    const roomy = await port({ a: 0.1 }, { rate: "newcomer:10", quota: "newcomer:2" });
    for (let i = 0; i < 2; i++) expect(await checkAllowance(roomy, "a", undefined)).toBeUndefined();
    // The quota is spent: that is what the peer is told, though the rate has room, and the rate counts nothing more.
    expect(await checkAllowance(roomy, "a", undefined)).toMatchObject({ code: "quota_exceeded" });
    expect(await roomy.counter.peek("trust-rate|a", 60)).toBe(2);
  });

  it("lets exactly the quota through when requests arrive at once", async () => {
    const s = await port({}, { quota: "newcomer:5" });
    const answers = await Promise.all(Array.from({ length: 20 }, () => checkAllowance(s, "a", undefined)));
    expect(answers.filter((a) => a === undefined)).toHaveLength(5);
    expect(await s.counter.peek("trust-quota|a", QUOTA_WINDOW_SECONDS)).toBe(5);
  });

  it("keeps one row per peer and slot of the day in the store, which the prune keeps for two days", async () => {
    const db = await memoryDb();
    const limiter = new RateLimiter(db, 60_000);
    const s: AllowancePort = { trust: fixed({}), limits: { rateLimits: new Map(), dailyQuotas: perTierSetting.parse("newcomer:100"), creditLimits: new Map() }, counter: limiter, owed: async () => 0 };
    for (const peer of ["a", "a", "a", "b"]) expect(await checkAllowance(s, peer, undefined)).toBeUndefined();
    const rows = await db.select().from(rateCounters);
    // The four requests came within a few seconds: one slot (1,728 s) each peer, or two across a slot's end.
    const slot = 86_400_000 / 50;
    expect(rows.every((r) => r.windowStart % slot === 0)).toBe(true);
    expect(new Set(rows.map((r) => r.key))).toEqual(new Set(["trust-quota|a", "trust-quota|b"]));
    expect(rows.filter((r) => r.key === "trust-quota|a").reduce((n, r) => n + r.count, 0)).toBe(3);
    expect(rows.length).toBeLessThanOrEqual(4);
    await limiter.prune();
    expect(await db.select().from(rateCounters)).toHaveLength(rows.length);
  });
});

describe("warnings weighed by their warners' trust", () => {
  const trust = { tiers, peerTier: "known", quarantineAt: 0.5 };
  const now = 1_800_000_000;
  const w = (origin: string, subject: string, reason = "fraud", expiresAt = now + 86_400): Warning => ({ origin, subject, reason, expiresAt });
  const weigh = (warnings: Warning[], scores: Record<string, number>, held: ReadonlySet<string> = new Set()) =>
    warnedNodes(warnings, { self: "self", standings: fixed(scores), trust, now, held });

  it("quarantines on a warning from a trusted warner, never on one from an untrusted warner", async () => {
    expect([...(await weigh([w("trusted", "bad")], { trusted: 0.6 })).keys()]).toEqual(["bad"]);
    expect((await weigh([w("stranger", "bad")], { stranger: 0.2 })).size).toBe(0);
  });

  it("adds up the warners that count, each once, and never the untrusted ones", async () => {
    const two = [w("k1", "bad"), w("k2", "bad", "spam")];
    expect((await weigh(two.slice(0, 1), { k1: 0.3, k2: 0.3 })).size).toBe(0);
    expect((await weigh(two, { k1: 0.3, k2: 0.3 })).get("bad")).toContain("warned by 2 trusted nodes (fraud, spam; weight 0.60)");
    // Three warners below the peer tier add up past the threshold, and still weigh nothing.
    expect((await weigh([w("n1", "bad"), w("n2", "bad"), w("n3", "bad")], { n1: 0.2, n2: 0.2, n3: 0.2 })).size).toBe(0);
    // A hundred untrusted warners weigh nothing: a Sybil swarm cannot quarantine.
    const swarm = Array.from({ length: 100 }, (_, i) => w(`sybil${i}`, "honest"));
    expect((await weigh(swarm, {})).size).toBe(0);
  });

  it("ignores expired warnings, warnings of this node, and warners it holds in quarantine", async () => {
    expect((await weigh([w("trusted", "bad", "fraud", now - 1)], { trusted: 0.9 })).size).toBe(0);
    expect((await weigh([w("trusted", "self")], { trusted: 0.9 })).size).toBe(0);
    expect((await weigh([w("trusted", "bad")], { trusted: 0.9 }, new Set(["trusted"]))).size).toBe(0);
  });
});

describe("quarantine", () => {
  it("holds what warnings say, lifts it when they go, and never touches the operator's decisions", async () => {
    const q = new Quarantine(await memoryDb());
    expect(await q.applyWarnings(new Map([["a", "warned"], ["b", "warned"]]))).toEqual(["a", "b"]);
    await q.hold("op", "by hand");
    expect([...(await q.held())].sort()).toEqual(["a", "b", "op"]);
    // The operator lets b out while its warnings stand: they do not put it back.
    await q.release("b");
    expect(await q.applyWarnings(new Map([["a", "warned"], ["b", "warned"]]))).toEqual([]);
    expect(await q.has("b")).toBe(false);
    // The warnings are withdrawn: a and b's rows go, the operator's quarantine stays.
    await q.applyWarnings(new Map());
    expect([...(await q.held())]).toEqual(["op"]);
    expect((await q.list()).map((r) => r.nodeId)).toEqual(["op"]);
    // Released by the operator, a node warned again later is quarantined again.
    expect(await q.applyWarnings(new Map([["b", "warned again"]]))).toEqual(["b"]);
    expect(await q.release("nobody")).toBeUndefined();
  });
});

describe("PEER_POLICY=trust", () => {
  const config = { peerPolicy: "trust" as const, peerAllowlist: [] };
  it("makes a stranger that earned its tier active, and keeps any other pending", () => {
    expect(admit(config, "n", undefined, true)).toEqual({ admit: true, state: "active" });
    expect(admit(config, "n", undefined, false)).toEqual({ admit: true, state: "pending" });
    expect(admit(config, "n", undefined)).toEqual({ admit: true, state: "pending" });
  });
});

describe("relaying onward", () => {
  it("withholds origins below TRUST_RELAY_TIER and those in quarantine", async () => {
    const quarantine = new Quarantine(await memoryDb());
    await quarantine.hold("held", "by hand");
    const s = { trust: fixed({ low: 0.1, high: 0.6, held: 0.9 }), quarantine, tiers, relayTier: "known" };
    expect([...(await withheldOrigins(s, ["low", "high", "held"]))].sort()).toEqual(["held", "low"]);
    expect([...(await withheldOrigins({ ...s, relayTier: undefined }, ["low", "high", "held"]))]).toEqual(["held"]);
  });
});

describe("trust-aware provider choice", () => {
  const equal = () => {
    const stats = new ProviderStats();
    for (let i = 0; i < 10; i++) for (const n of ["a", "b"]) stats.record(n, true, 20);
    return stats;
  };

  it("puts the more trusted of two equal providers first, and still explores the other", () => {
    const stats = equal();
    const random = seeded(11);
    const trust = { scores: new Map([["a", 0.1], ["b", 0.7]]), exploration: 0.1 };
    const firsts = { a: 0, b: 0 };
    const N = 2000;
    for (let i = 0; i < N; i++) firsts[stats.order(["a", "b"], random, trust)[0] as "a" | "b"]++;
    // Exploration sends about a tenth to a: 200 expected, sd ≈ 13.
    expect(firsts.a).toBeGreaterThan(140);
    expect(firsts.a).toBeLessThan(260);
    expect(firsts.b).toBe(N - firsts.a);
  });

  it("without exploration the more trusted always goes first; with equal trust the load is spread", () => {
    const stats = equal();
    const random = seeded(5);
    for (let i = 0; i < 100; i++) expect(stats.order(["a", "b"], random, { scores: new Map([["b", 0.7]]), exploration: 0 })[0]).toBe("b");
    const firsts = { a: 0, b: 0 };
    for (let i = 0; i < 400; i++) firsts[stats.order(["a", "b"], random, { scores: new Map([["a", 0.4], ["b", 0.4]]), exploration: 0 })[0] as "a" | "b"]++;
    expect(firsts.a).toBeGreaterThan(140);
    expect(firsts.b).toBeGreaterThan(140);
  });

  it("lets a much faster provider outrank a somewhat more trusted one", () => {
    const stats = new ProviderStats();
    for (let i = 0; i < 10; i++) {
      stats.record("fast", true, 10);
      stats.record("slow", true, 200);
    }
    expect(stats.order(["slow", "fast"], Math.random, { scores: new Map([["slow", 0.6], ["fast", 0.3]]), exploration: 0 })[0]).toBe("fast");
  });
});
