// Version and feature negotiation, and the acceptance policy, as pure functions.
import { describe, expect, it } from "vitest";
import { admit } from "../../src/node/peers/policy.ts";
import type { Peer } from "../../src/store/peers.ts";
import { commonFeatures, negotiateVersion, NegotiationError } from "../../src/protocol/versions.ts";

describe("negotiation", () => {
  it("picks the highest version both speak, by our order, whatever the peer's order", () => {
    expect(negotiateVersion(["mcpfed/1", "mcpfed/2"], ["mcpfed/2", "mcpfed/1"])).toBe("mcpfed/2");
    expect(negotiateVersion(["mcpfed/1", "mcpfed/2"], ["mcpfed/1", "mcpfed/3"])).toBe("mcpfed/1");
  });

  it("fails clearly when there is no version in common", () => {
    expect(() => negotiateVersion(["mcpfed/1"], ["mcpfed/2"])).toThrow(NegotiationError);
    expect(() => negotiateVersion(["mcpfed/1"], ["mcpfed/2"])).toThrow(/no protocol version in common: this node speaks mcpfed\/1; the peer speaks mcpfed\/2/);
  });

  it("keeps the features both offer", () => {
    expect(commonFeatures(["ping", "tools"], ["tools", "gossip"])).toEqual(["tools"]);
  });
});

describe("acceptance policy", () => {
  const id = "a".repeat(32);
  const peer = (state: Peer["state"]) => ({ state }) as Peer;

  it("open admits as active, approve as pending, allowlist only listed ids", () => {
    expect(admit({ peerPolicy: "open", peerAllowlist: [] }, id, undefined)).toEqual({ admit: true, state: "active" });
    expect(admit({ peerPolicy: "approve", peerAllowlist: [] }, id, undefined)).toEqual({ admit: true, state: "pending" });
    expect(admit({ peerPolicy: "allowlist", peerAllowlist: [id] }, id, undefined)).toEqual({ admit: true, state: "active" });
    expect(admit({ peerPolicy: "allowlist", peerAllowlist: [] }, id, undefined)).toMatchObject({ admit: false });
  });

  it("keeps a peer the operator already made active, under every policy", () => {
    for (const peerPolicy of ["open", "approve", "allowlist"] as const) {
      expect(admit({ peerPolicy, peerAllowlist: [] }, id, peer("active"))).toEqual({ admit: true, state: "active" });
    }
    expect(admit({ peerPolicy: "approve", peerAllowlist: [] }, id, peer("pending"))).toEqual({ admit: true, state: "pending" });
  });
});
