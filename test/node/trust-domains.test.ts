// A peer's domain check (src/node/peers/domains.ts) for hosts no test can serve on loopback: an
// https host, and a plain-http URL on a node that does not allow private URLs. The network is the
// one double here, a fetch that answers for that host: real cards, signatures and outbound guard.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { Outbound } from "../../src/node/outbound/outbound.ts";
import { checkDomain } from "../../src/node/peers/domains.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";
import { stranger, type Stranger } from "../support/stranger.ts";

let db: TestDatabase;
let s: Stranger;
let other: Stranger;
beforeAll(async () => {
  db = await openTestDatabase();
  [s, other] = await Promise.all([stranger({ url: "https://node.example.org" }), stranger({ url: "https://other.example.org" })]);
});
afterAll(async () => {
  db.close();
  await Promise.all([s.close(), other.close()]);
});

/** A port whose host answers `served` (a card, or any JSON) to every request, and the URLs asked. */
function serving(served: unknown, allowPrivate = false) {
  const asked: string[] = [];
  const fetch = (async (input: RequestInfo | URL) => {
    asked.push(String(input instanceof Request ? input.url : input));
    return new Response(JSON.stringify(served), { headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  const port = { db: db.db, outbound: new Outbound({ allowPrivate, fetch }), identity: async () => ({ primitives: await primitives() }), now: () => Math.floor(Date.now() / 1000), config: { clockSkewSeconds: 60 } };
  return { port, asked };
}

describe("a peer's domain", () => {
  it("is verified when its card's https host serves that card at the well-known path", async () => {
    const { port, asked } = serving(s.card);
    expect(await checkDomain(port, s.card)).toEqual({ host: "node.example.org", verified: true });
    expect(asked).toEqual(["https://node.example.org/.well-known/mcpfed"]);
  });

  it("is not verified when the host serves another node's card, or a card altered after signing", async () => {
    expect(await checkDomain(serving(other.card).port, s.card)).toEqual({ host: "node.example.org", verified: false, reason: `node.example.org serves the card of another node (${other.id})` });
    const altered: Card = { ...s.card, name: "someone else" };
    const verdict = await checkDomain(serving(altered).port, s.card);
    expect(verdict).toMatchObject({ host: "node.example.org", verified: false });
    expect(verdict.reason).toMatch(/signature/);
  });

  it("is not verified over plain http unless private URLs are allowed, and nothing is fetched", async () => {
    const plain = await stranger({ url: "http://node.example.org" });
    try {
      const refused = serving(plain.card);
      expect(await checkDomain(refused.port, plain.card)).toEqual({ host: "node.example.org", verified: false, reason: "the card's URL is not https" });
      expect(refused.asked).toEqual([]);
      const allowed = serving(plain.card, true);
      expect(await checkDomain(allowed.port, plain.card)).toEqual({ host: "node.example.org", verified: true });
      expect(allowed.asked).toEqual(["http://node.example.org/.well-known/mcpfed"]);
    } finally {
      await plain.close();
    }
  });
});
