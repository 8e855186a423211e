// The channel settings: on by default with the spec's default epoch and lifetime, and refused
// outside the limits docs/protocol.md §5.6 puts on a channel-accept.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/node/settings/config.ts";
import { newSeed } from "../../src/protocol/identity/seed.ts";

const base = { ADMIN_TOKEN: "test-admin-token-0123456789", NODE_SEED: newSeed() };

describe("CHANNELS, CHANNEL_EPOCH_SECONDS, CHANNEL_LIFETIME_SECONDS", () => {
  it("default to on, an hour and a day", () => {
    expect(loadConfig(base)).toMatchObject({ channels: true, channelEpochSeconds: 3600, channelLifetimeSeconds: 86_400 });
    expect(loadConfig({ ...base, CHANNELS: "off", CHANNEL_EPOCH_SECONDS: "60", CHANNEL_LIFETIME_SECONDS: "604800" })).toMatchObject({
      channels: false,
      channelEpochSeconds: 60,
      channelLifetimeSeconds: 604_800,
    });
  });

  it.each([
    ["CHANNELS", "yes"],
    ["CHANNEL_EPOCH_SECONDS", "59"],
    ["CHANNEL_EPOCH_SECONDS", "86401"],
    ["CHANNEL_LIFETIME_SECONDS", "59"],
    ["CHANNEL_LIFETIME_SECONDS", "604801"],
  ])("refuses %s=%s, naming it", (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(name);
  });
});
