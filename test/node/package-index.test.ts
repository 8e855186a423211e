// The package index on both sides (protocol §18.3, §18.4), on a real libSQL store with real
// signatures. The origin signs its index only once it publishes, re-signs it when its entries
// change or half its validity has passed, and keeps the same one otherwise. An installer accepts an
// index only after its shape, signature, expiry and freshness checks, raises what it has seen, keeps
// it, and refuses a version the index does not list (or lists under another entry); a refused
// index changes nothing.
import { afterAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { HybridClock, encodeHlc } from "../../src/protocol/registry/hlc.ts";
import type { UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { checkPackageIndex, signPackageIndex, type UnsignedPackageIndex } from "../../src/protocol/registry/package-index.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import { Registry } from "../../src/node/registry/registry.ts";
import { currentOwnIndex, INDEX_LIFETIME_MS } from "../../src/node/packages/own-index.ts";
import { acceptOriginIndex, requireListed, type IndexSource } from "../../src/node/packages/origin-index.ts";
import { PackageError } from "../../src/node/packages/errors.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { heldIndex } from "../../src/store/package-indexes.ts";
import { freshnessOf, ownIndex, type PackageEntry } from "../../src/store/packages.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";

const vectors = JSON.parse(readFileSync(new URL("../vectors/registry/packages.json", import.meta.url), "utf8"));
const NOW = vectors.clockMs as number;
const base = vectors.entries[0].unsigned as Extract<UnsignedEntry, { kind: "package"; tombstone: false }>;
const open: TestDatabase[] = [];
afterAll(() => open.forEach((d) => d.close()));

async function database() {
  const d = await openTestDatabase();
  open.push(d);
  return d.db;
}

function bodyAt(version: string, previous: string | null) {
  return { ...base.body, version, previous, artifact: { ...(base.body.artifact as Extract<typeof base.body.artifact, { type: "npm" }>), version } };
}

async function entryOf(publisher: TestIdentity, version: string, counter = 0): Promise<PackageEntry> {
  const e = await signEntry({ ...base, origin: publisher.signer.nodeId, hlc: encodeHlc({ wall: NOW, counter }), key: `package/server-memory@${version}`, body: bodyAt(version, null) }, publisher.signer);
  return e as PackageEntry;
}

function indexOf(publisher: TestIdentity, seq: number, versions: { version: string; entry: string }[], at = NOW): UnsignedPackageIndex {
  return { type: "package-index", v: 1, origin: publisher.signer.nodeId, seq, issued: at - 1000, expires: at + 3_600_000, packages: versions.length > 0 ? [{ name: "server-memory", versions }] : [] };
}

const served = (index: unknown, from = "the origin"): IndexSource => ({ from, read: async () => index });

async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    if (err instanceof PackageError) return err.code;
    throw err;
  }
  throw new Error("not refused");
}

describe("the origin's own index", () => {
  it("is signed only once the node publishes, kept while current, re-signed on a change and at half its validity", async () => {
    const me = await ed25519TestSigner();
    const db = await database();
    const ports = { db, nodeId: me.signer.nodeId, signer: async () => me.signer };
    expect(await currentOwnIndex(ports, NOW)).toBeUndefined();
    expect(await ownIndex(db)).toBeUndefined();

    const registry = new Registry({ signer: me.signer, verifier: new TestKeyring().add(me), store: new EntryRepository(db), clock: new HybridClock(() => NOW), now: () => NOW });
    const [first] = await registry.publishPackage(bodyAt("1.0.0", null), "peers");
    const one = (await currentOwnIndex(ports, NOW))!;
    expect(one.signed).toBe(true);
    expect(one.index).toMatchObject({ origin: me.signer.nodeId, seq: 1, issued: NOW, expires: NOW + INDEX_LIFETIME_MS, packages: [{ name: "server-memory", versions: [{ version: "1.0.0", entry: first!.id }] }] });
    expect(await checkPackageIndex(one.index, { key: me.key, now: NOW + 1, seen: undefined })).toEqual(one.index);

    const kept = (await currentOwnIndex(ports, NOW + INDEX_LIFETIME_MS / 2 - 1))!;
    expect(kept).toEqual({ index: one.index, signed: false });

    const [second] = await registry.publishPackage(bodyAt("1.1.0", "1.0.0"), "peers");
    const changed = (await currentOwnIndex(ports, NOW + 10))!;
    expect(changed.signed).toBe(true);
    expect(changed.index.seq).toBe(2);
    expect(changed.index.packages[0]!.versions).toEqual([
      { version: "1.0.0", entry: first!.id },
      { version: "1.1.0", entry: second!.id },
    ]);

    const halfway = NOW + 10 + INDEX_LIFETIME_MS / 2;
    const renewed = (await currentOwnIndex(ports, halfway))!;
    expect(renewed.signed).toBe(true);
    expect(renewed.index.seq).toBe(3);
    expect(renewed.index.packages).toEqual(changed.index.packages);
    expect(renewed.index.expires).toBe(halfway + INDEX_LIFETIME_MS);
    expect((await ownIndex(db))!.seq).toBe(3);
  });
});

describe("an installer checks the origin's index", () => {
  it("accepts a valid index, raises what was seen, keeps it, and finds the entry listed", async () => {
    const origin = await ed25519TestSigner();
    const db = await database();
    const entry = await entryOf(origin, "1.0.0");
    const index = await signPackageIndex(indexOf(origin, 4, [{ version: "1.0.0", entry: entry.id }]), origin.signer);
    const accepted = await acceptOriginIndex({ db, keyOf: async () => origin.key }, origin.signer.nodeId, [served(index)], NOW);
    expect(accepted).toEqual(index);
    expect(() => requireListed(accepted, entry)).not.toThrow();
    expect(await freshnessOf(db, origin.signer.nodeId)).toEqual({ seq: 4, highest: new Map([["server-memory", "1.0.0"]]) });
    expect((await heldIndex(db, origin.signer.nodeId))!.seq).toBe(4);
  });

  it("refuses a version the index does not list, or lists under another entry", async () => {
    const origin = await ed25519TestSigner();
    const listed = await entryOf(origin, "1.0.0");
    const other = await entryOf(origin, "1.0.0", 1);
    const unlisted = await entryOf(origin, "2.0.0");
    const index = await signPackageIndex(indexOf(origin, 1, [{ version: "1.0.0", entry: listed.id }]), origin.signer);
    expect(() => requireListed(index, unlisted)).toThrow(/2\.0\.0 is not in the current package index/);
    expect(() => requireListed(index, other)).toThrow(/lists entry/);
    for (const e of [unlisted, other]) {
      try {
        requireListed(index, e);
      } catch (err) {
        expect((err as PackageError).code).toBe("not_in_index");
      }
    }
  });

  it("refuses a forged, expired, replayed or rolled-back index with its reason, and changes nothing", async () => {
    const origin = await ed25519TestSigner();
    const stranger = await ed25519TestSigner();
    const db = await database();
    const ports = { db, keyOf: async () => origin.key };
    const id = origin.signer.nodeId;
    const v2 = await entryOf(origin, "2.0.0");
    await acceptOriginIndex(ports, id, [served(await signPackageIndex(indexOf(origin, 5, [{ version: "2.0.0", entry: v2.id }]), origin.signer))], NOW);
    const before = { seen: await freshnessOf(db, id), held: await heldIndex(db, id) };

    const forged = await signPackageIndex({ ...indexOf(origin, 9, []), origin: stranger.signer.nodeId }, stranger.signer);
    const cases: [string, unknown][] = [
      // Another node's index, however well signed by it, does not verify under this origin's key.
      ["index_bad_signature", await signPackageIndex(indexOf(stranger, 9, []), stranger.signer)],
      ["index_malformed", { ...indexOf(origin, 6, []), sig: "AAAA", extra: 1 }],
      ["index_bad_signature", { ...forged, origin: id }],
      ["index_expired", await signPackageIndex(indexOf(origin, 6, [{ version: "2.0.0", entry: v2.id }], NOW - 7_200_000), origin.signer)],
      ["index_replayed", await signPackageIndex(indexOf(origin, 4, [{ version: "2.0.0", entry: v2.id }]), origin.signer)],
      ["version_rollback", await signPackageIndex(indexOf(origin, 6, [{ version: "1.0.0", entry: v2.id }]), origin.signer)],
    ];
    for (const [code, index] of cases) {
      expect(await refusal(acceptOriginIndex(ports, id, [served(index)], NOW))).toBe(code);
    }
    expect(await freshnessOf(db, id)).toEqual(before.seen);
    expect(await heldIndex(db, id)).toEqual(before.held);
  });

  it("with no source answering, uses the copy held while valid; without one, or once it expired, is unavailable", async () => {
    const origin = await ed25519TestSigner();
    const db = await database();
    const ports = { db, keyOf: async () => origin.key };
    const id = origin.signer.nodeId;
    const offline: IndexSource = { from: "the origin", read: async () => Promise.reject(new Error("connection refused")) };
    expect(await refusal(acceptOriginIndex(ports, id, [offline], NOW))).toBe("index_unavailable");
    expect(await refusal(acceptOriginIndex({ db, keyOf: async () => undefined }, id, [served({})], NOW))).toBe("index_unavailable");
    const index = await signPackageIndex(indexOf(origin, 2, [{ version: "1.0.0", entry: (await entryOf(origin, "1.0.0")).id }]), origin.signer);
    await acceptOriginIndex(ports, id, [served(index)], NOW);
    expect(await acceptOriginIndex(ports, id, [offline], NOW + 1000)).toEqual(index);
    expect(await refusal(acceptOriginIndex(ports, id, [offline], index.expires))).toBe("index_expired");
  });
});
