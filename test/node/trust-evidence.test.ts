// Trust evidence on a real libSQL store: the graph built from what the registry holds (vouches
// that count and those that do not, assertions only from nodes this node knows), the ledger counted
// once however often it is collected, and relayed calls' outcomes held in memory until written.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { Registry } from "../../src/node/registry/registry.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { expiryAfter, publishTrust } from "../../src/node/trust/publish.ts";
import { collectEvidence, gatherEvidence, interactionCounts } from "../../src/node/trust/evidence.ts";
import { PeerObservations } from "../../src/node/trust/observations.ts";
import { ledgerRecords, peers } from "../../src/store/schema/index.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";

const NOW_MS = 1_767_225_600_000;
const NOW = NOW_MS / 1000;
const DAY = 86_400;
const trust = { seeds: [] as string[], halfLifeDays: 30 };

let me: TestIdentity;
let peer: TestIdentity;
let stranger: TestIdentity;
let database: TestDatabase;
let registry: Registry;
const ids: string[] = [];

beforeAll(async () => {
  [me, peer, stranger] = await Promise.all([ed25519TestSigner(), ed25519TestSigner(), ed25519TestSigner()]);
  for (let i = 0; i < 3; i++) ids.push((await ed25519TestSigner()).signer.nodeId);
  database = await openTestDatabase();
  const keyring = new TestKeyring().add(me, peer, stranger);
  registry = new Registry({ signer: me.signer, verifier: keyring, store: new EntryRepository(database.db), clock: new HybridClock(() => NOW_MS), now: () => NOW_MS });
  // Each other node signs on its own replica; this node receives what they signed.
  for (const who of [peer, stranger]) {
    const db = await openTestDatabase();
    const theirs = new Registry({ signer: who.signer, verifier: keyring, store: new EntryRepository(db.db), clock: new HybridClock(() => NOW_MS), now: () => NOW_MS });
    const port = { nodeId: who.signer.nodeId, registry: theirs, gossip: { changed: () => {} }, now: () => NOW_MS };
    const [x, y, z] = ids as [string, string, string];
    const entries =
      who === peer
        ? [
            ...(await publishTrust(port, "vouch", { subject: x, weight: 60, expiresAt: expiryAfter(10, NOW_MS) }, "peers")),
            ...(await publishTrust(port, "vouch", { subject: y, weight: 90, scope: "search", expiresAt: expiryAfter(10, NOW_MS) }, "peers")),
            ...(await publishTrust(port, "assertion", { subject: z, score: 500, tier: "trusted", computedAt: NOW }, "peers")),
          ]
        : await publishTrust(port, "assertion", { subject: y, score: 900, tier: "core", computedAt: NOW }, "peers");
    await registry.receive(entries.map((e) => e.signed), who.signer.nodeId);
    db.close();
  }
});

afterAll(() => database?.close());

const parts = (seeds: string[] = []) => ({ db: database.db, self: me.signer.nodeId, trust: { ...trust, seeds } });

describe("the trust graph from signed evidence", () => {
  it("has an edge for a live unscoped vouch, none for a scoped one, and assertions only from nodes this node knows", async () => {
    const [x, , z] = ids as [string, string, string];
    const known = await gatherEvidence(parts([peer.signer.nodeId]), NOW);
    expect(known.graph.edges.map((e) => ({ ...e, weight: Math.round(e.weight * 1000) / 1000 })).sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { from: peer.signer.nodeId, to: z, kind: "assertion", weight: 0.5 },
      { from: peer.signer.nodeId, to: x, kind: "vouch", weight: 0.6 },
    ]);
    // The scoped vouch is evidence to show, not an edge.
    expect(known.vouches.map((v) => v.scope ?? "none").sort()).toEqual(["none", "search"]);
    // Without the peer as a seed (nor an active peer), this node knows neither asserter.
    const unknown = await gatherEvidence(parts(), NOW);
    expect(unknown.graph.edges.map((e) => e.kind)).toEqual(["vouch"]);
    expect(unknown.assertions).toHaveLength(2);
  });

  it("decays a vouch by its age and drops it once expired", async () => {
    const later = await gatherEvidence(parts(), NOW + 5 * DAY);
    expect(later.graph.edges[0]!.weight).toBeCloseTo(0.6 * 2 ** (-5 / 30), 6);
    const expired = await gatherEvidence(parts(), NOW + 11 * DAY);
    expect(expired.graph.edges).toEqual([]);
    expect(expired.vouches).toEqual([]);
  });
});

describe("evidence this node saw", () => {
  it("counts each settled ledger record once, weighed by its age, and writes call outcomes and refusals held in memory", async () => {
    const w = ids[0]!;
    const row = (id: string, status: "confirmed" | "disputed" | "pending", ageDays: number) => ({
      id: id.repeat(64),
      peer: w,
      role: "consumer" as const,
      status,
      hash: id.repeat(64),
      completedAt: (NOW - ageDays * DAY) * 1000,
      amount: 0,
      record: "{}",
    });
    await database.db.insert(ledgerRecords).values([row("a", "confirmed", 0), row("b", "confirmed", 30), row("c", "disputed", 0), row("d", "pending", 0)]);
    const calls = new PeerObservations();
    calls.call(w, true);
    calls.call(w, false);
    calls.call(w, true);
    calls.refused(w);
    const first = await collectEvidence(parts(), calls, NOW);
    expect(first).toMatchObject({ records: 3, calls: 1 });
    expect(await collectEvidence(parts(), calls, NOW)).toMatchObject({ records: 0, calls: 0 });
    const counts = (await interactionCounts(parts(), NOW)).get(w)!;
    expect(counts.confirmed).toBeCloseTo(1.5, 6);
    expect(counts.disputed).toBeCloseTo(1, 6);
    expect(counts).toMatchObject({ succeeded: 2, failed: 1, refusals: 1, uptime: 1 });
    // Read a half-life later, everything has halved.
    const later = (await interactionCounts(parts(), NOW + 30 * DAY)).get(w)!;
    expect(later.confirmed).toBeCloseTo(0.75, 6);
    expect(later.succeeded).toBeCloseTo(1, 6);
  });

  it("samples uptime once per tick: up for a peer heard from, down for one that did not answer; a blocked peer is fully discredited", async () => {
    const [heard, silent, blocked] = ids as [string, string, string];
    const peer = (nodeId: string, state: "active" | "blocked") => ({ nodeId, name: nodeId, url: "http://127.0.0.1:1", card: {} as never, state, version: "mcpfed/1", features: [] });
    await database.db.insert(peers).values([peer(heard, "active"), peer(silent, "active"), peer(blocked, "blocked")]);
    const observed = new PeerObservations();
    await collectEvidence(parts(), observed, NOW + 60);
    // Heard from after that sample; the other did not answer the tick's reconciliation.
    await database.db.update(peers).set({ lastSeenAt: (NOW + 90) * 1000 }).where(eq(peers.nodeId, heard));
    observed.unanswered(silent);
    observed.unanswered(blocked);
    expect(await collectEvidence(parts(), observed, NOW + 120)).toMatchObject({ uptime: 2 });
    const counts = await interactionCounts(parts(), NOW + 120);
    expect(counts.get(silent)).toMatchObject({ uptime: 0 });
    expect(counts.get(heard)?.uptime).toBe(1);
    // Blocked peers are not sampled.
    expect(counts.has(blocked)).toBe(false);
    const { graph } = await gatherEvidence(parts(), NOW + 120);
    expect(graph.penalties.get(blocked)).toBe(1);
    expect(graph.penalties.get(silent)).toBeGreaterThan(0);
  });

  it("counts a long ledger over several ticks without passing records that share their time", async () => {
    const own = await openTestDatabase();
    try {
      const p = { db: own.db, self: me.signer.nodeId, trust };
      const row = (i: number, updatedAt: number) => ({ id: i.toString(16).padStart(64, "0"), peer: ids[0]!, role: "consumer" as const, status: "confirmed" as const, hash: i.toString(16).padStart(64, "0"), completedAt: NOW * 1000, amount: 0, record: "{}", updatedAt });
      // 4,990 records at one time, 20 at a later one, and 6,000 more sharing a third: more than a batch.
      const rows = [...Array.from({ length: 4990 }, (_, i) => row(i, 1000.25)), ...Array.from({ length: 20 }, (_, i) => row(5000 + i, 2000.5)), ...Array.from({ length: 6000 }, (_, i) => row(6000 + i, 3000.75))];
      for (let i = 0; i < rows.length; i += 10) await own.db.insert(ledgerRecords).values(rows.slice(i, i + 10));
      const counted: number[] = [];
      for (let tick = 0; tick < 5; tick++) counted.push((await collectEvidence(p, new PeerObservations(), NOW)).records);
      expect(counted).toEqual([4990, 20, 6000, 0, 0]);
      expect((await interactionCounts(p, NOW)).get(ids[0]!)?.confirmed).toBeCloseTo(11_010, 3);
    } finally {
      own.close();
    }
  });
});
