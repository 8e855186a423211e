import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeHlc, HybridClock, MAX_DRIFT_MS } from "../../src/protocol/registry/hlc.ts";
import type { SignedEntry } from "../../src/protocol/registry/entry.ts";
import { Registry } from "../../src/node/registry/registry.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { signEntry, type EntryVerifier } from "../../src/protocol/registry/signing.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";
import { entryFor, sampleTool, unsignedFor } from "../support/entries.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";

const NOW = 1_732_000_000_000;
const DAY = 24 * 3600 * 1000;
const open: TestDatabase[] = [];
afterAll(() => open.forEach((d) => d.close()));

let me: TestIdentity;
let peer: TestIdentity;
let stranger: TestIdentity;
beforeAll(async () => {
  [me, peer, stranger] = await Promise.all([ed25519TestSigner(), ed25519TestSigner(), ed25519TestSigner()]);
});

/** Counts signature checks, to show which entries reach them. */
class CountingVerifier implements EntryVerifier {
  checked = 0;
  constructor(private readonly inner: EntryVerifier) {}
  async keyOf(origin: string) {
    this.checked++;
    return this.inner.keyOf(origin);
  }
}

async function node(options: { blocked?: string[]; maxEntryBytes?: number; now?: () => number; db?: TestDatabase } = {}) {
  const database = options.db ?? (await openTestDatabase());
  if (!options.db) open.push(database);
  const verifier = new CountingVerifier(new TestKeyring().add(me, peer));
  const now = options.now ?? (() => NOW);
  const registry = new Registry({
    signer: me.signer,
    verifier,
    store: new EntryRepository(database.db),
    clock: new HybridClock(now),
    now,
    blockedOrigins: async () => new Set(options.blocked ?? []),
    tombstoneTtlMs: 30 * DAY,
    ...(options.maxEntryBytes ? { maxEntryBytes: options.maxEntryBytes } : {}),
  });
  return { registry, verifier, database };
}

describe("admission", () => {
  it("refuses each bad entry for its reason, counts it, and changes nothing", async () => {
    const { registry } = await node({ blocked: [stranger.signer.nodeId], maxEntryBytes: 1500 });
    const good = await entryFor(peer, { wall: NOW });
    const tampered = { ...good.signed, key: "demo/other" } as SignedEntry;
    const reKeyed = structuredClone(good.signed) as Extract<SignedEntry, { kind: "tool"; tombstone: false }>;
    reKeyed.body.tags = ["injected"];
    const unknown = await entryFor(await ed25519TestSigner(), { wall: NOW });
    const future = await entryFor(peer, { key: "demo/future", wall: NOW + MAX_DRIFT_MS + 1 });
    const blocked = await entryFor(stranger, { wall: NOW });
    const huge = await entryFor(peer, { key: "demo/huge", wall: NOW, description: "x".repeat(2000) });
    const wrongFingerprint = await signEntry(
      { ...(await unsignedFor(peer.signer.nodeId, { key: "demo/fp", wall: NOW })), body: { ...((await unsignedFor(peer.signer.nodeId, { key: "demo/fp" })) as { body: object }).body, fingerprint: `sha256:${"0".repeat(64)}` } } as never,
      peer.signer,
    );
    const before = await registry.store.stateHash();
    const report = await registry.receive(
      [tampered, reKeyed, unknown.signed, future.signed, blocked.signed, huge.signed, wrongFingerprint.signed, "junk", { origin: 1 }],
      peer.signer.nodeId,
    );
    const reasons = report.rejected.map((r) => `${r.reason}: ${r.detail}`);
    expect(reasons).toHaveLength(9);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^malformed: body\.tool\.name: must be the tool named by the key/),
        "bad_signature: the signature does not verify",
        "unknown_origin: the origin's key is not known",
        expect.stringMatching(/^future_hlc: /),
        "blocked_origin: origin is blocked",
        expect.stringMatching(/^oversize: \d+ bytes > 1500$/),
        "malformed: fingerprint does not match the tool",
      ]),
    );
    expect(report.stored).toEqual([]);
    expect(await registry.store.stateHash()).toBe(before);
    expect((await registry.store.head()).seq).toBe(0);
    expect(registry.metrics.snapshot().rejected).toEqual({
      malformed: 4,
      oversize: 1,
      bad_signature: 1,
      unknown_origin: 1,
      future_hlc: 1,
      blocked_origin: 1,
      origin_entries: 0,
      origin_bytes: 0,
      immutable_version: 0,
    });
  });

  it("takes the good entries of a mixed message and advances its clock past them", async () => {
    const { registry } = await node();
    const good = await entryFor(peer, { wall: NOW + 30_000 });
    const bad = { ...(await entryFor(peer, { key: "demo/x", wall: NOW })).signed, sig: good.signed.sig };
    const report = await registry.receive([bad, good.signed], peer.signer.nodeId);
    expect(report.stored.map((e) => e.id)).toEqual([good.id]);
    expect(report.rejected.map((r) => r.reason)).toEqual(["bad_signature"]);
    expect(decodeHlc(registry.clock.tick()).wall).toBe(NOW + 30_000);
  });

  it("accepts a clock up to 60 s ahead", async () => {
    const { registry } = await node();
    const ahead = await entryFor(peer, { wall: NOW + MAX_DRIFT_MS });
    expect((await registry.receive([ahead.signed], peer.signer.nodeId)).stored.length).toBe(1);
  });

  it("does not re-verify entries it holds, nor store tombstones past their TTL", async () => {
    const { registry, verifier } = await node();
    const e = await entryFor(peer, { wall: NOW });
    await registry.receive([e.signed], peer.signer.nodeId);
    const checked = verifier.checked;
    const again = await registry.receive([e.signed], peer.signer.nodeId);
    expect(again.outcomes.duplicate).toBe(1);
    expect(verifier.checked).toBe(checked);
    const expired = await entryFor(peer, { key: "demo/old", wall: NOW - 31 * DAY, tombstone: true });
    const r = await registry.receive([expired.signed], peer.signer.nodeId);
    expect(r.outcomes.expired).toBe(1);
    expect(await registry.store.has([expired.id])).toEqual(new Set());
    const older = await entryFor(peer, { wall: NOW - 1 });
    expect((await registry.receive([older.signed], peer.signer.nodeId)).outcomes.superseded).toBe(1);
    expect(registry.metrics.snapshot().outcomes).toEqual({ stored: 1, duplicate: 1, superseded: 1, expired: 1, unkept: 0 });
  });
});

describe("publishing", () => {
  it("shares a tool once, and again only when it changed", async () => {
    const { registry } = await node();
    const first = await registry.share(sampleTool("echo"));
    expect(first.map((e) => [e.signed.key, e.signed.visibility, e.signed.tombstone])).toEqual([["demo/echo", "public", false]]);
    expect(await registry.share(sampleTool("echo"))).toEqual([]);
    const changed = await registry.share(sampleTool("echo", "1.1.0"));
    expect(changed).toHaveLength(1);
    expect(changed[0]!.signed.hlc > first[0]!.signed.hlc).toBe(true);
    expect((await registry.store.slots(me.signer.nodeId, "tool", "demo/echo")).map((e) => e.id)).toEqual([changed[0]!.id]);
  });

  it("keeps only the fields a model sees, and fingerprints them as local tools are", async () => {
    const { registry } = await node();
    const input = sampleTool("echo");
    const [e] = await registry.share({ ...input, tool: { ...input.tool, _meta: { secret: 1 }, icons: [] } });
    expect(e!.signed.tombstone).toBe(false);
    if (e!.signed.tombstone || e!.signed.kind !== "tool") return;
    expect(Object.keys(e!.signed.body.tool).sort()).toEqual(["description", "inputSchema", "name"]);
    expect(e!.signed.body.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("narrows public to peers by tombstoning the public slot first", async () => {
    const { registry } = await node();
    await registry.share(sampleTool("echo", "1.0.0", "public"));
    const narrowed = await registry.share(sampleTool("echo", "1.0.0", "peers"));
    expect(narrowed.map((e) => [e.signed.visibility, e.signed.tombstone])).toEqual([
      ["public", true],
      ["peers", false],
    ]);
    expect(narrowed[1]!.signed.hlc > narrowed[0]!.signed.hlc).toBe(true);
  });

  it("withdraws every live slot, and private means withdrawn", async () => {
    const { registry } = await node();
    expect(await registry.share(sampleTool("echo", "1.0.0", "private"))).toEqual([]);
    await registry.share(sampleTool("echo"));
    const gone = await registry.share(sampleTool("echo", "1.0.0", "private"));
    expect(gone.map((e) => [e.signed.visibility, e.signed.tombstone])).toEqual([["public", true]]);
    expect(await registry.withdraw("demo/echo")).toEqual([]);
  });

  it("stamps after its own earlier entries even when a restart left the clock behind", async () => {
    const first = await node();
    const [e] = await first.registry.share(sampleTool("echo"));
    const behind = await node({ db: first.database, now: () => NOW - 3_600_000 });
    const [next] = await behind.registry.share(sampleTool("echo", "2.0.0"));
    expect(next!.signed.hlc > e!.signed.hlc).toBe(true);
  });

  it("refuses to share a tool over the size limit, and stores nothing", async () => {
    const { registry } = await node({ maxEntryBytes: 1000 });
    const big = sampleTool("echo");
    big.tool.description = "y".repeat(2000);
    await expect(registry.share(big)).rejects.toThrow(/over the limit/);
    expect((await registry.store.head()).seq).toBe(0);
  });
});
