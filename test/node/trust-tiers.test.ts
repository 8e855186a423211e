// Trust tiers and the TRUST_* settings: names over ascending thresholds from 0, per-tier
// privileges naming only tiers that exist, every bad value refused with the setting's name.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/node/settings/config.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { atLeast, tierOf, tiersSetting } from "../../src/node/trust/tiers.ts";

const base = { ADMIN_TOKEN: "test-admin-token-0123456789", NODE_SEED: newSeed() };

describe("trust tiers", () => {
  it("default to newcomer, known, trusted, core; a score falls in the highest tier it reaches", () => {
    const { tiers } = loadConfig(base).trust;
    expect(tiers.map((t) => t.name)).toEqual(["newcomer", "known", "trusted", "core"]);
    expect(tierOf(tiers, 0).name).toBe("newcomer");
    expect(tierOf(tiers, 0.25).name).toBe("known");
    expect(tierOf(tiers, 0.49).name).toBe("known");
    expect(tierOf(tiers, 1).name).toBe("core");
    expect(atLeast(tiers, "trusted", "known")).toBe(true);
    expect(atLeast(tiers, "newcomer", "known")).toBe(false);
    expect(atLeast(tiers, "nonesuch", "newcomer")).toBe(false);
  });

  it("reads the operator's tiers and per-tier privileges", () => {
    const c = loadConfig({ ...base, TRUST_TIERS: "stranger:0, friend:0.3", TRUST_PEER_TIER: "friend", TRUST_CREDIT_LIMITS: "friend:250", TRUST_RATE_LIMITS: "stranger:10,friend:600" }).trust;
    expect(c.tiers).toEqual([{ name: "stranger", threshold: 0 }, { name: "friend", threshold: 0.3 }]);
    expect(c.peerTier).toBe("friend");
    expect([...c.creditLimits]).toEqual([["friend", 250]]);
    expect(c.rateLimits.get("stranger")).toBe(10);
  });

  it("give newcomers and known peers a daily quota by default, trusted and core none; `off` lifts them all", () => {
    expect([...loadConfig(base).trust.dailyQuotas]).toEqual([
      ["newcomer", 5000],
      ["known", 50000],
    ]);
    expect(loadConfig({ ...base, TRUST_DAILY_QUOTAS: "off" }).trust.dailyQuotas.size).toBe(0);
    expect([...loadConfig({ ...base, TRUST_DAILY_QUOTAS: "newcomer:10,core:0" }).trust.dailyQuotas]).toEqual([
      ["newcomer", 10],
      ["core", 0],
    ]);
    // The default names the default tiers: under the operator's own names it holds only those that exist.
    expect([...loadConfig({ ...base, TRUST_TIERS: "newcomer:0,friend:0.3", TRUST_PEER_TIER: "friend" }).trust.dailyQuotas]).toEqual([["newcomer", 5000]]);
    expect(loadConfig({ ...base, TRUST_TIERS: "stranger:0,friend:0.3", TRUST_PEER_TIER: "friend" }).trust.dailyQuotas.size).toBe(0);
  });

  it.each([
    ["TRUST_DAILY_QUOTAS", "newcomer:-1"],
    ["TRUST_DAILY_QUOTAS", "newcomer:many"],
    ["TRUST_DAILY_QUOTAS", "nonesuch:5"],
    ["TRUST_DAILY_QUOTAS", "none"],
    ["TRUST_TIERS", "known:0.2,trusted:0.5"],
    ["TRUST_TIERS", "a:0,b:0.5,c:0.4"],
    ["TRUST_TIERS", "a:0,a:0.5"],
    ["TRUST_TIERS", "a:0,B:0.5"],
    ["TRUST_TIERS", "a:0,b:1.5"],
    ["TRUST_TIERS", "a:0,b"],
    ["TRUST_PEER_TIER", "nonesuch"],
    ["TRUST_CREDIT_LIMITS", "known:-1"],
    ["TRUST_CREDIT_LIMITS", "nonesuch:5"],
    ["TRUST_EXPLORATION", "0.9"],
    ["TRUST_SEEDS", "not-a-node-id"],
  ])("refuses %s=%s, naming it", (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow((name.startsWith("TRUST_CREDIT") || name === "TRUST_DAILY_QUOTAS") && value.startsWith("nonesuch") || name === "TRUST_PEER_TIER" ? "nonesuch" : name);
  });

  it("parses the default tiers text it documents", () => {
    expect(tiersSetting.parse("newcomer:0").map((t) => t.name)).toEqual(["newcomer"]);
  });
});
