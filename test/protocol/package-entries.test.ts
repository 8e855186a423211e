// Package entries and the package index (protocol §18): the vectors
// (test/vectors/registry/packages.json) checked against node:crypto and an independent JCS,
// admission's refusal of each bad entry for its stated reason, each index refusal for its reason,
// freshness that only rises, and the server.json import reproduced from the real fixture.
import { createHash, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { advanceFreshness, checkPackageIndex, PACKAGE_INDEX_CONTEXT, type PackageIndex } from "../../src/protocol/registry/package-index.ts";
import { packageFromServerJson, serverJson, ServerJsonError } from "../../src/protocol/registry/server-json.ts";
import { sriOf } from "../../src/protocol/packages/artifact.ts";
import { entryKindVectors, expectRefusedEntries, expectSignedEntries } from "../support/entry-kind-vectors.ts";

const kind = entryKindVectors("registry/packages.json");
const { vectors, keys, keyOf } = kind;
const originKey = keyOf(vectors.signers.origin.nodeId)!;
const seenOf = (s: { seq: number; highest: Record<string, string> } | null) => (s ? { seq: s.seq, highest: new Map(Object.entries(s.highest)) } : undefined);

describe("package entry vectors", () => {
  it("match canonical bytes, ids and signatures computed with node:crypto, and are admitted", async () => {
    expect(vectors.entries.length).toBe(3);
    await expectSignedEntries(kind);
  });

  it("pin every tool by the SHA-256 of its JCS definition", () => {
    for (const t of vectors.entries[0].signed.body.tools) {
      const digest = createHash("sha256").update(canonicalize({ name: t.name, description: t.description, inputSchema: t.inputSchema })!).digest("hex");
      expect(t.fingerprint).toBe(`sha256:${digest}`);
    }
  });

  it("are refused by admission as malformed, each for its stated reason", async () => {
    expect(vectors.refused.length).toBeGreaterThanOrEqual(14);
    await expectRefusedEntries(kind);
  });

  it("write npm's integrity as SRI: sha512- and the base64 digest", () => {
    const digest = createHash("sha512").update("package bytes").digest();
    expect(sriOf(new Uint8Array(digest))).toBe(`sha512-${digest.toString("base64")}`);
  });
});

describe("package index vectors", () => {
  it("verify under the origin's key with node:crypto, and are accepted given what was seen", async () => {
    const { signed, now, seen } = vectors.index;
    const { sig, ...unsigned } = signed as PackageIndex;
    const framed = Buffer.concat([Buffer.from(PACKAGE_INDEX_CONTEXT), Buffer.from([0]), Buffer.from(canonicalize(unsigned)!)]);
    expect(verify(null, framed, keys[signed.origin]!, Buffer.from(fromBase64url(sig)))).toBe(true);
    const r = await checkPackageIndex(signed, { key: originKey, now, seen: seenOf(seen) });
    expect("refusal" in r ? r.detail : "accepted").toBe("accepted");
  });

  it("are refused for each stated reason", async () => {
    expect(vectors.refusedIndexes.map((c: { refusal: string }) => c.refusal)).toEqual(expect.arrayContaining(["bad_signature", "expired", "replayed_index", "version_rollback", "malformed"]));
    for (const c of vectors.refusedIndexes) {
      const r = await checkPackageIndex(c.index, { key: originKey, now: c.now, seen: seenOf(c.seen) });
      expect("refusal" in r && { refusal: r.refusal, detail: r.detail }, c.name).toEqual({ refusal: c.refusal, detail: c.detail });
    }
  });

  it("raise what was seen and never lower it", () => {
    const index = vectors.index.signed as PackageIndex;
    const after = advanceFreshness({ seq: 9, highest: new Map([["server-memory", "2027.1.1"], ["other", "1.0.0"]]) }, index);
    expect(after.seq).toBe(9);
    expect(Object.fromEntries(after.highest)).toEqual({ "server-memory": "2027.1.1", other: "1.0.0", "echo-tool": "1.0.0" });
    const first = advanceFreshness(undefined, index);
    expect(first.seq).toBe(index.seq);
    expect(first.highest.get("server-memory")).toBe("2026.8.31");
  });
});

describe("server.json import", () => {
  const fixture = JSON.parse(readFileSync(new URL("../fixtures/packages/server-memory.server.json", import.meta.url), "utf8"));
  const facts = { ...vectors.serverJsonImport.facts, tools: vectors.entries[0].signed.body.tools };

  it("turns the official registry's server.json into the vector's entry body", () => {
    expect(vectors.serverJsonImport.serverJson).toEqual(fixture);
    const body = packageFromServerJson(serverJson.parse(fixture), facts);
    expect(body).toEqual(vectors.serverJsonImport.body);
    expect(body).toMatchObject({
      name: "server-memory",
      version: fixture.packages[0].version,
      artifact: { type: "npm", name: fixture.packages[0].identifier },
      launch: { runtime: "node", env: [{ name: "MEMORY_FILE_PATH", required: false, secret: false }], permissions: { env: ["MEMORY_FILE_PATH"] } },
    });
  });

  it("passes named and positional arguments in order, and refuses a document with no npm stdio package", () => {
    const withArgs = structuredClone(fixture);
    withArgs.packages[0].packageArguments = [
      { type: "named", name: "--store", value: "graph.jsonl" },
      { type: "positional", valueHint: "mode", default: "strict" },
    ];
    expect(packageFromServerJson(serverJson.parse(withArgs), facts).launch.args).toEqual(["--store", "graph.jsonl", "strict"]);
    const remoteOnly = { ...fixture, packages: [{ ...fixture.packages[0], registryType: "pypi" }] };
    expect(() => packageFromServerJson(serverJson.parse(remoteOnly), facts)).toThrow(ServerJsonError);
    expect(() => packageFromServerJson(serverJson.parse(remoteOnly), facts)).toThrow(/no npm package with a stdio transport/);
  });
});
