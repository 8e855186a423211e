// Which origins may serve a peer's tool: its own only, unless both entries say replicable or the
// operator grouped the origins. The reach test: only an active direct peer.
import { describe, expect, it } from "vitest";
import { allowedProviders, reachable, type Offer } from "../../src/node/catalog/providers.ts";
import type { Peer } from "../../src/store/peers.ts";

const FP = "sha256:" + "a".repeat(64);
const offer = (origin: string, replicable = false, fingerprint = FP): Offer => ({ origin, fingerprint, replicable });

describe("allowedProviders", () => {
  const b = offer("b");
  const c = offer("c");

  it("pins a tool to its origin when nothing allows more", () => {
    expect(allowedProviders(b, [b, c], [])).toEqual(["b"]);
  });

  it("allows another provider only when both entries are replicable", () => {
    expect(allowedProviders(offer("b", true), [offer("b", true), c], [])).toEqual(["b"]);
    expect(allowedProviders(b, [b, offer("c", true)], [])).toEqual(["b"]);
    expect(allowedProviders(offer("b", true), [offer("b", true), offer("c", true)], [])).toEqual(["b", "c"]);
  });

  it("allows the members of a group the origin is in, and no one else", () => {
    const d = offer("d");
    const groups = [{ name: "g", members: ["b", "c"] }, { name: "other", members: ["c", "d"] }];
    expect(allowedProviders(b, [b, c, d], groups)).toEqual(["b", "c"]);
    expect(allowedProviders(d, [b, c, d], groups)).toEqual(["d", "c"]);
  });

  it("never allows another fingerprint, whatever the entries or groups say", () => {
    const other = offer("c", true, "sha256:" + "b".repeat(64));
    expect(allowedProviders(offer("b", true), [offer("b", true), other], [{ name: "g", members: ["b", "c"] }])).toEqual(["b"]);
  });
});

describe("reachable", () => {
  const peer = (state: Peer["state"]) => ({ state }) as Peer;
  it("is an active direct peer only", () => {
    expect(reachable(peer("active"))).toBe(true);
    expect(reachable(peer("pending"))).toBe(false);
    expect(reachable(peer("blocked"))).toBe(false);
    expect(reachable(undefined)).toBe(false);
  });
});
