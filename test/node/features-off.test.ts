// FEATURES_OFF (docs/protocol.md §20.5): features of the protocol's list a node leaves out of its
// card and never uses, whatever their adoption; anything else is refused, naming the setting.
import { describe, expect, it } from "vitest";
import { offeredFeatures } from "../../src/node/card/offered-features.ts";
import { FeatureActivation } from "../../src/node/peers/feature-activation.ts";
import { TrustScores } from "../../src/node/trust/scores.ts";
import { ConfigError, loadConfig } from "../../src/node/settings/config.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";
import { memoryDb } from "../support/libsql.ts";

const base = { ADMIN_TOKEN: "test-admin-token-0123456789", NODE_SEED: newSeed() };

describe("FEATURES_OFF", () => {
  it("leaves the named features out of the card, and none by default", () => {
    expect(offeredFeatures(loadConfig(base))).toContain("index-agents");
    const off = loadConfig({ ...base, FEATURES_OFF: "index-agents, ping" });
    expect(off.featuresOff).toEqual(["index-agents", "ping"]);
    const offered = offeredFeatures(off);
    expect(offered).not.toContain("index-agents");
    expect(offered).not.toContain("ping");
    expect(offered).toContain("relay-interaction");
  });

  it.each(["route-forward", "no-such-feature", "index-agents;ping"])("refuses %s, naming the setting", (value) => {
    expect(() => loadConfig({ ...base, FEATURES_OFF: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, FEATURES_OFF: value })).toThrow("FEATURES_OFF");
  });

  it("keeps a feature off however widely it is adopted", async () => {
    const cards = async () => [1, 2, 3].map((i) => ({ node: String(i).repeat(32), features: ["index-agents"] }));
    const config = loadConfig(base);
    const trust = new TrustScores({ db: await memoryDb(), self: "0".repeat(32), trust: config.trust, now: () => 1_800_000_000 });
    const pending = [{ feature: "index-agents", threshold: 0.5, hysteresis: 0.05 }];
    const on = new FeatureActivation({ pending, trustFloor: 0.1, cards, trust });
    const off = new FeatureActivation({ pending, off: ["index-agents"], trustFloor: 0.1, cards, trust });
    expect(await on.on("index-agents")).toBe(true);
    expect(await off.adoption()).toEqual([expect.objectContaining({ adoption: 1, active: false, off: true })]);
    expect(await off.on("index-agents")).toBe(false);
    expect(await off.usableWith("index-agents", ["index-agents"])).toBe(false);
  });
});
