// The origin's quota and trust evidence, as gossip admits entries (protocol §7.4): each trust kind
// counts in a share of its own, every other kind in one together. An origin at its tools' quota
// still publishes vouches and assertions, and its vouches filling their share stop neither its
// tools nor its assertions; a renewed vouch for a subject it vouched for replaces the old one in
// its slot and always fits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../../src/node/registry/registry.ts";
import { encodeHlc, HybridClock } from "../../src/protocol/registry/hlc.ts";
import type { Entry, UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";
import { entryFor } from "../support/entries.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";

const NOW = 1_732_000_000_000;
/** Live entries per share: small, so that a test fills one. */
const QUOTA = 3;
const subjects: string[] = [];
let origin: TestIdentity;
let database: TestDatabase;
let registry: Registry;

beforeAll(async () => {
  const me = await ed25519TestSigner();
  origin = await ed25519TestSigner();
  for (let i = 0; i < QUOTA + 2; i++) subjects.push((await ed25519TestSigner()).signer.nodeId);
  database = await openTestDatabase();
  registry = new Registry({
    signer: me.signer,
    verifier: new TestKeyring().add(me, origin),
    store: new EntryRepository(database.db),
    clock: new HybridClock(() => NOW),
    now: () => NOW,
    originQuota: { entries: QUOTA, bytes: 1_000_000 },
  });
});

afterAll(() => database?.close());

/** The origin's vouch or assertion about `subject`, signed at `wall`. */
async function about(kind: "vouch" | "assertion", subject: string, wall = NOW, weight = 50): Promise<Entry> {
  const common = { origin: origin.signer.nodeId, key: subject, visibility: "public" as const, hlc: encodeHlc({ wall, counter: 0 }), tombstone: false as const };
  const unsigned: UnsignedEntry =
    kind === "vouch"
      ? { ...common, kind, body: { subject, weight, expiresAt: Math.floor(wall / 1000) + 86_400 } }
      : { ...common, kind, body: { subject, score: 500, tier: "known", computedAt: Math.floor(wall / 1000) } };
  return signEntry(unsigned, origin.signer);
}

const gossip = async (entries: Entry[]) => {
  const report = await registry.receive(
    entries.map((e) => e.signed),
    origin.signer.nodeId,
  );
  return { stored: report.stored.map((e) => `${e.signed.kind} ${e.signed.key}`), rejected: report.rejected.map((r) => `${r.reason} ${r.key}`) };
};

describe("an origin's quota, shared by kind", () => {
  it("takes vouches and assertions from an origin whose tools fill its quota", async () => {
    const tools = await Promise.all(["a", "b", "c", "d"].map((t) => entryFor(origin, { key: `demo/${t}`, wall: NOW })));
    expect(await gossip(tools)).toEqual({ stored: ["tool demo/a", "tool demo/b", "tool demo/c"], rejected: ["origin_entries demo/d"] });
    const vouches = await Promise.all(subjects.slice(0, QUOTA).map((s) => about("vouch", s)));
    const assertions = await Promise.all(subjects.slice(0, QUOTA).map((s) => about("assertion", s)));
    const taken = await gossip([...vouches, ...assertions]);
    expect(taken.rejected).toEqual([]);
    expect(taken.stored).toHaveLength(2 * QUOTA);
  });

  it("refuses a vouch past the vouches' own share, and the tools' and assertions' shares are untouched by it", async () => {
    expect(await gossip([await about("vouch", subjects[QUOTA]!)])).toEqual({ stored: [], rejected: [`origin_entries ${subjects[QUOTA]}`] });
    // A withdrawn tool makes room for a tool, not for a vouch.
    const withdrawn = await entryFor(origin, { key: "demo/a", wall: NOW + 1, tombstone: true });
    const tool = await entryFor(origin, { key: "demo/d", wall: NOW + 2 });
    expect(await gossip([withdrawn, tool, await about("vouch", subjects[QUOTA + 1]!, NOW + 3)])).toEqual({
      stored: ["tool demo/a", "tool demo/d"],
      rejected: [`origin_entries ${subjects[QUOTA + 1]}`],
    });
  });

  it("takes a renewed vouch for a subject already vouched for: it replaces the old one in its slot", async () => {
    const renewed = await about("vouch", subjects[0]!, NOW + 10, 80);
    expect(await gossip([renewed])).toEqual({ stored: [`vouch ${subjects[0]}`], rejected: [] });
    const held = await registry.store.slots(origin.signer.nodeId, "vouch", subjects[0]!);
    expect(held.map((e) => e.id)).toEqual([renewed.id]);
  });
});
