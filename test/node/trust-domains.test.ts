// A peer's domain check (src/node/peers/domains.ts) for hosts no test can serve on loopback: an
// https host, and a plain-http URL on a node that does not allow private URLs; and the tick's
// choice of whom to check, peers before public nodes known from their node entries. The network is the
// one double here, a fetch that answers for that host and a resolver that finds no TXT record (the DNS proof
// against a real server: trust-dns-proof.test.ts): real cards, signatures and outbound guard.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Card } from "../../src/protocol/card/schema.ts";
import { primitives } from "../../src/protocol/identity/primitives.ts";
import { Outbound } from "../../src/node/outbound/outbound.ts";
import { checkDomain, DOMAIN_CHECKS_PER_TICK, verifyDomains } from "../../src/node/peers/domains.ts";
import { hlcAt } from "../../src/protocol/registry/hlc.ts";
import { NODE_CARD_KEY } from "../../src/protocol/registry/entry.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import { domainCheckOf } from "../../src/store/node-domains.ts";
import { savePeer } from "../../src/store/peers.ts";
import { EntryRepository } from "../../src/store/registry.ts";
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
  const port = { db: db.db, outbound: new Outbound({ allowPrivate, fetch }), resolveTxt: async () => [], identity: async () => ({ primitives: await primitives() }), now: () => Math.floor(Date.now() / 1000), config: { clockSkewSeconds: 60 } };
  return { port, asked };
}

describe("a peer's domain", () => {
  it("is verified when its card's https host serves that card at the well-known path", async () => {
    const { port, asked } = serving(s.card);
    expect(await checkDomain(port, s.card)).toEqual({ host: "node.example.org", verified: true });
    expect(asked).toEqual(["https://node.example.org/.well-known/mcpfed"]);
  });

  it("is not verified when the host serves another node's card, or a card altered after signing", async () => {
    expect(await checkDomain(serving(other.card).port, s.card)).toEqual({
      host: "node.example.org",
      verified: false,
      reason: `DNS: _mcpfed.node.example.org: no mcpfed record; well-known: node.example.org serves the card of another node (${other.id})`,
    });
    const altered: Card = { ...s.card, name: "someone else" };
    const verdict = await checkDomain(serving(altered).port, s.card);
    expect(verdict).toMatchObject({ host: "node.example.org", verified: false });
    expect(verdict.reason).toMatch(/signature/);
  });

  it("is not verified over plain http unless private URLs are allowed, and nothing is fetched", async () => {
    const plain = await stranger({ url: "http://node.example.org" });
    try {
      const refused = serving(plain.card);
      expect(await checkDomain(refused.port, plain.card)).toEqual({ host: "node.example.org", verified: false, reason: "DNS: _mcpfed.node.example.org: no mcpfed record; well-known: the card's URL is not https" });
      expect(refused.asked).toEqual([]);
      const allowed = serving(plain.card, true);
      expect(await checkDomain(allowed.port, plain.card)).toEqual({ host: "node.example.org", verified: true });
      expect(allowed.asked).toEqual(["http://node.example.org/.well-known/mcpfed"]);
    } finally {
      await plain.close();
    }
  });
});

describe("the tick's domain checks", () => {
  /** `n`'s card as a public node entry (or its withdrawal), as gossip would have stored it. */
  async function nodeEntry(n: Stranger, wall: number, tombstone = false) {
    const base = { origin: n.id, kind: "node", key: NODE_CARD_KEY, visibility: "public", hlc: hlcAt(wall) } as const;
    const entry = await signEntry(tombstone ? { ...base, tombstone: true } : { ...base, tombstone: false, body: { card: n.card } }, n.entrySigner);
    await new EntryRepository(db.db).put([entry], "some-peer");
  }

  it("checks peers first, then public nodes that are no peer, a few a tick, and forgets a node whose entry is withdrawn", async () => {
    const listed = await Promise.all([1, 2, 3, 4].map((i) => stranger({ url: `https://n${i}.example.org` })));
    try {
      const wall = Date.now();
      for (const n of listed) await nodeEntry(n, wall);
      await savePeer(db.db, { card: s.card, state: "active", theirState: "active", version: "mcpfed/1", features: [] });
      const { port } = serving(listed[0]!.card);
      const tick = { ...port, nodeId: "the-checking-node" };
      const first = await verifyDomains(tick);
      expect(first.checked).toHaveLength(DOMAIN_CHECKS_PER_TICK);
      expect(first.checked[0]).toMatchObject({ node: s.id, host: "node.example.org" });
      const second = await verifyDomains(tick);
      // The one public node left: the others were checked within the day.
      expect(second.checked.map((c) => c.node)).toHaveLength(1);
      expect([...first.checked, ...second.checked].map((c) => c.node).sort()).toEqual([s.id, ...listed.map((n) => n.id)].sort());
      expect(await domainCheckOf(db.db, listed[0]!.id)).toMatchObject({ host: "n1.example.org", verified: true });
      expect(await domainCheckOf(db.db, listed[1]!.id)).toMatchObject({ host: "n2.example.org", verified: false });
      // Withdrawn, the node entry's check goes on the next tick, and nothing is fetched for it.
      await nodeEntry(listed[0]!, wall + 1000, true);
      expect((await verifyDomains(tick)).checked).toEqual([]);
      expect(await domainCheckOf(db.db, listed[0]!.id)).toBeUndefined();
      expect(await domainCheckOf(db.db, listed[1]!.id)).toBeDefined();
    } finally {
      await Promise.all(listed.map((n) => n.close()));
    }
  });
});
