// Onion path selection (docs/protocol.md §14.7): exit first from nodes advertising onion-exit, then
// two hops advertising onion-hop; three distinct node ids and card hosts; never this node or the
// provider; trust-weighted with a floor; another hosting network preferred, not required.
import { describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { chooseOnionPath, hostOf, networkOf, NoOnionPath, TRUST_FLOOR } from "../../src/node/routes/onion/path.ts";
import type { TrustStandings } from "../../src/node/trust/standing.ts";

const NOW = 1_800_000_000;
const card = (id: string, url: string, features = ["onion-hop", "onion-exit"], exp = NOW + 3600) => ({ id, url, features, exp }) as unknown as Card;
const trust = (scores: Record<string, number> = {}): TrustStandings => ({ of: async (node) => ({ node, score: scores[node] ?? 0, tier: "unknown" as never }) });
/** A seeded generator, so a run is repeatable. */
function seeded(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe("chooseOnionPath", () => {
  it("never picks this node or the provider, and picks three distinct ids and hosts", async () => {
    const cards = [card("self", "http://127.0.0.1:1"), card("provider", "http://127.0.0.1:2"), card("a", "http://127.0.0.1:3"), card("b", "http://127.0.0.1:4"), card("c", "http://127.0.0.1:5")];
    for (let i = 0; i < 50; i++) {
      const { hops } = await chooseOnionPath({ self: "self", provider: "provider", cards, trust: trust(), now: NOW, random: seeded(i + 1) });
      expect(new Set(hops.map((h) => h.id))).toEqual(new Set(["a", "b", "c"]));
    }
  });

  it("counts two nodes on one host as one operator, and refuses when fewer than three remain", async () => {
    const cards = [card("a", "http://10.0.0.1:80"), card("b", "http://10.0.0.1:80"), card("c", "http://10.1.0.1")];
    await expect(chooseOnionPath({ self: "s", provider: "p", cards, trust: trust(), now: NOW })).rejects.toThrow(NoOnionPath);
    expect(hostOf(cards[0]!)).toBe(hostOf(cards[1]!));
  });

  it("takes the exit only from nodes offering onion-exit, hops only from nodes offering onion-hop, and skips expired cards", async () => {
    const cards = [card("x", "http://a.example", ["onion-exit"]), card("h1", "http://b.example", ["onion-hop"]), card("h2", "http://c.example", ["onion-hop"]), card("old", "http://d.example", ["onion-hop", "onion-exit"], NOW - 1)];
    for (let i = 0; i < 20; i++) {
      const { hops } = await chooseOnionPath({ self: "s", provider: "p", cards, trust: trust(), now: NOW, random: seeded(i + 7) });
      expect(hops[2].id).toBe("x");
      expect(new Set([hops[0].id, hops[1].id])).toEqual(new Set(["h1", "h2"]));
    }
  });

  it("weighs by trust, with a floor that still gives newcomers some paths", async () => {
    const cards = [card("trusted", "http://t.example", ["onion-hop"]), card("newcomer", "http://n.example", ["onion-hop"]), card("e1", "http://e1.example", ["onion-exit"]), card("e2", "http://e2.example", ["onion-hop"])];
    const counts = { trusted: 0, newcomer: 0 };
    const random = seeded(42);
    for (let i = 0; i < 400; i++) {
      const { hops } = await chooseOnionPath({ self: "s", provider: "p", cards, trust: trust({ trusted: 1, e1: 1, e2: 1 }), now: NOW, random });
      for (const h of hops) if (h.id === "trusted" || h.id === "newcomer") counts[h.id]++;
    }
    expect(counts.trusted).toBeGreaterThan(counts.newcomer * 3);
    expect(counts.newcomer).toBeGreaterThan(0);
    expect(TRUST_FLOOR).toBeGreaterThan(0);
  });

  it("prefers another hosting network when there is one", async () => {
    const cards = [card("x", "http://10.1.0.1", ["onion-exit"]), card("same", "http://10.1.0.2", ["onion-hop"]), card("other", "http://10.2.0.1", ["onion-hop"]), card("far", "http://10.3.0.1", ["onion-hop"])];
    expect(networkOf(cards[1]!)).toBe(networkOf(cards[0]!));
    let withSame = 0;
    const random = seeded(3);
    for (let i = 0; i < 300; i++) {
      const { hops } = await chooseOnionPath({ self: "s", provider: "p", cards, trust: trust(), now: NOW, random });
      if (hops.some((h) => h.id === "same")) withSame++;
    }
    // Without the preference "same" would be on two paths in three; with it, far fewer, never none.
    expect(withSame).toBeGreaterThan(0);
    expect(withSame).toBeLessThan(300 / 3);
  });
});
