// A package version is immutable (protocol §18.1): a receiver holding name@version from an origin
// refuses another body under it, whatever its HLC, and keeps the first; the publisher refuses to
// sign one. The same body again is a duplicate, and a new version is stored.
import { afterAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { HybridClock, encodeHlc } from "../../src/protocol/registry/hlc.ts";
import type { UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { ImmutableVersionError, Registry } from "../../src/node/registry/registry.ts";
import { EntryRepository } from "../../src/store/registry.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import { ed25519TestSigner, TestKeyring } from "../support/ed25519.ts";
import { openTestDatabase, type TestDatabase } from "../support/libsql.ts";

const vectors = JSON.parse(readFileSync(new URL("../vectors/registry/packages.json", import.meta.url), "utf8"));
const NOW = vectors.clockMs as number;
const open: TestDatabase[] = [];
afterAll(() => open.forEach((d) => d.close()));

describe("package versions are immutable", () => {
  it("refuses another body under a held name@version, keeps the first, and stores a new version", async () => {
    const publisher = await ed25519TestSigner();
    const me = await ed25519TestSigner();
    const database = await openTestDatabase();
    open.push(database);
    const registry = new Registry({ signer: me.signer, verifier: new TestKeyring().add(me, publisher), store: new EntryRepository(database.db), clock: new HybridClock(() => NOW), now: () => NOW });
    const base = vectors.entries[0].unsigned as Extract<UnsignedEntry, { kind: "package"; tombstone: false }>;
    const first = await signEntry({ ...base, origin: publisher.signer.nodeId, hlc: encodeHlc({ wall: NOW - 1000, counter: 0 }) }, publisher.signer);
    const changed = await signEntry({ ...base, origin: publisher.signer.nodeId, hlc: encodeHlc({ wall: NOW, counter: 0 }), body: { ...base.body, licence: { id: "Apache-2.0" } } }, publisher.signer);
    const next = await signEntry(
      { ...base, origin: publisher.signer.nodeId, hlc: encodeHlc({ wall: NOW, counter: 1 }), key: "package/server-memory@2026.9.1", body: { ...base.body, version: "2026.9.1", previous: "2026.8.31", artifact: { ...(base.body.artifact as Extract<typeof base.body.artifact, { type: "npm" }>), version: "2026.9.1" } } },
      publisher.signer,
    );
    expect((await registry.receive([JSON.parse(first.canonical)], publisher.signer.nodeId)).stored).toHaveLength(1);
    const report = await registry.receive([JSON.parse(changed.canonical), JSON.parse(first.canonical), JSON.parse(next.canonical)], publisher.signer.nodeId);
    expect(report.rejected).toEqual([{ reason: "immutable_version", detail: "package/server-memory@2026.8.31 is already published with another body", origin: publisher.signer.nodeId, key: base.key }]);
    expect(report.outcomes).toMatchObject({ duplicate: 1, stored: 1 });
    const held = await registry.store.slots(publisher.signer.nodeId, "package", base.key);
    expect(held.map((e) => e.id)).toEqual([first.id]);
    expect(registry.metrics.snapshot().rejected.immutable_version).toBe(1);
  });

  it("the publisher refuses to sign another body under a version it published", async () => {
    const me = await ed25519TestSigner();
    const database = await openTestDatabase();
    open.push(database);
    const registry = new Registry({ signer: me.signer, verifier: new TestKeyring().add(me), store: new EntryRepository(database.db), clock: new HybridClock(() => NOW), now: () => NOW });
    const body = vectors.entries[0].unsigned.body;
    expect(await registry.publishPackage(body, "peers")).toHaveLength(1);
    expect(await registry.publishPackage(body, "peers")).toHaveLength(0);
    await expect(registry.publishPackage({ ...body, description: "another" }, "peers")).rejects.toThrow(ImmutableVersionError);
  });
});
