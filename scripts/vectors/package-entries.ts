// Vectors for package entries and the package index (test/vectors/registry/packages.json,
// protocol §18): live entries (an npm artifact with the real server-memory tools, a priced
// origin-served tarball) and a tombstone, signed by an Ed25519 test signer from a fixed seed;
// entries admission refuses, each with its reason; a signed index and the indexes a receiver
// refuses given what it has seen; the entry body imported from a real server.json. Run by
// scripts/vectors.ts; checked by test/protocol/package-entries.test.ts.
import { readFileSync } from "node:fs";
import type { UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import { checkPackageIndex, signPackageIndex, type UnsignedPackageIndex } from "../../src/protocol/registry/package-index.ts";
import { packageFromServerJson, serverJson } from "../../src/protocol/registry/server-json.ts";
import { ed25519TestSigner, TestKeyring } from "../../test/support/ed25519.ts";
import { agree, counting, write } from "./common.ts";
import { admissionAt, refusedEntryVectors, signedEntryVector, type SignedEntryVector } from "./entry-kinds.ts";

const node = await ed25519TestSigner(counting(0x21));
const other = await ed25519TestSigner(counting(0x61));
const origin = node.signer.nodeId;
const keyring = new TestKeyring().add(node, other);

/** 2026-01-01T00:00:00Z. */
const SIGNED_MS = 1_767_225_600_000;
const hlc = encodeHlc({ wall: SIGNED_MS, counter: 0 });
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../test/fixtures/packages/${name}`, import.meta.url), "utf8"));

const memoryTools = await Promise.all(
  (fixture("server-memory-tools.json") as { name: string; description?: string; inputSchema: { type: "object" } & Record<string, unknown> }[]).map(async (t) => ({ ...t, fingerprint: await toolFingerprint(t) })),
);
const INTEGRITY = "sha512-ljj/3S4aGjxdNSQWw6gucKKGnTLdBPWxzapyY/MT2tOVyZwvxChvevXSLPwx59nKJAlVpUVW+cOlnVRXRwiqMQ==";
const memoryBody = {
  name: "server-memory",
  version: "2026.8.31",
  description: "A knowledge graph kept in a local file",
  previous: "2026.7.4",
  artifact: { type: "npm", name: "@modelcontextprotocol/server-memory", version: "2026.8.31", integrity: INTEGRITY },
  launch: {
    runtime: "node",
    entry: "dist/index.js",
    args: [],
    env: [{ name: "MEMORY_FILE_PATH", description: "Where the graph is kept", required: false, secret: false }],
    permissions: { net: [], read: [], write: ["memory"], env: ["MEMORY_FILE_PATH"] },
  },
  tools: memoryTools,
  licence: { id: "MIT" },
};
const echo = { name: "echo", description: "Says it back", inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } };
const tarballBody = {
  name: "echo-tool",
  version: "1.0.0",
  description: "",
  previous: null,
  artifact: { type: "tarball", sha256: "5e".repeat(32), size: 4096 },
  launch: { runtime: "deno", entry: "main.ts", args: ["--stdio"], env: [{ name: "ECHO_TOKEN", description: "The service's key", required: true, secret: true }], permissions: { net: ["api.example.org:443"], read: [], write: [], env: ["ECHO_TOKEN"] } },
  tools: [{ ...echo, fingerprint: await toolFingerprint(echo) }],
  licence: { id: "proprietary", text: "Licensed per installation; no redistribution." },
  price: { amount: 500, unit: "credit", per: "update" },
};
const base = { origin, hlc, tombstone: false as const, kind: "package" as const };
const valid: Record<string, UnsignedEntry> = {
  "an npm package (server-memory)": { ...base, key: "package/server-memory@2026.8.31", visibility: "public", body: memoryBody } as UnsignedEntry,
  "a priced tarball served by its origin": { ...base, key: "package/echo-tool@1.0.0", visibility: "peers", body: tarballBody } as UnsignedEntry,
  "a withdrawn version": { origin, kind: "package", key: "package/echo-tool@0.9.0", visibility: "peers", hlc: encodeHlc({ wall: SIGNED_MS, counter: 1 }), tombstone: true } as UnsignedEntry,
};

const rules = admissionAt(SIGNED_MS);
const entries: SignedEntryVector[] = [];
for (const [name, u] of Object.entries(valid)) entries.push(await signedEntryVector("package", name, u, { signer: node.signer, rules, keyring }));

const memory = valid["an npm package (server-memory)"] as Extract<UnsignedEntry, { tombstone: false }> & { body: typeof memoryBody };
const withBody = (change: Record<string, unknown>, entry: Record<string, unknown> = {}) => ({ ...memory, ...entry, body: { ...memory.body, ...change } });
const refusedUnsigned: Record<string, Record<string, unknown>> = {
  "a key naming another version": { ...memory, key: "package/server-memory@2026.8.30" },
  "a key naming another package": { ...memory, key: "package/server-filesystem@2026.8.31" },
  "a version that is not semver": withBody({ version: "latest" }, { key: "package/server-memory@latest" }),
  "a previous version not before this one": withBody({ previous: "2026.8.31" }),
  "an npm artifact pinned by a range": withBody({ artifact: { ...memoryBody.artifact, version: "^2026.8.0" } }),
  "an npm integrity that is not SHA-512": withBody({ artifact: { ...memoryBody.artifact, integrity: "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=" } }),
  "a tarball hash that is not SHA-256": withBody({ artifact: { type: "tarball", sha256: "ab".repeat(20), size: 10 } }),
  "a tool whose fingerprint is not its definition's": withBody({ tools: [{ ...memoryTools[0]!, description: "Quietly different" }] }),
  "a tool listed twice": withBody({ tools: [memoryTools[0]!, memoryTools[0]!] }),
  "a launch entry outside the package": withBody({ launch: { ...memoryBody.launch, entry: "../../bin/sh" } }),
  "a launch by an arbitrary command": withBody({ launch: { ...memoryBody.launch, runtime: "bash" } }),
  "a price of nothing": withBody({ price: { amount: 0, unit: "credit", per: "install" } }),
  "a field the kind does not have": withBody({ homepage: "https://example.org" }),
  "a tombstone with a body": { ...(valid["a withdrawn version"] as Record<string, unknown>), body: tarballBody },
};
const refused = await refusedEntryVectors("package", refusedUnsigned, rules);

// The index: server-memory's two versions and the tarball, re-signed by the origin on its tick.
const memoryId = entries[0]!.id;
const echoId = entries[1]!.id;
const unsignedIndex: UnsignedPackageIndex = {
  type: "package-index",
  v: 1,
  origin,
  seq: 7,
  issued: SIGNED_MS,
  expires: SIGNED_MS + 86_400_000,
  packages: [
    { name: "echo-tool", versions: [{ version: "1.0.0", entry: echoId }] },
    { name: "server-memory", versions: [{ version: "2026.7.4", entry: "7a".repeat(32) }, { version: "2026.8.31", entry: memoryId }] },
  ],
};
const index = await signPackageIndex(unsignedIndex, node.signer);
const originKey = (await keyring.keyOf(origin))!;
const at = SIGNED_MS + 60_000;
const seen = { seq: 6, highest: { "server-memory": "2026.7.4" } };
const accepted = await checkPackageIndex(index, { key: originKey, now: at, seen: { seq: seen.seq, highest: new Map(Object.entries(seen.highest)) } });
agree("the index is accepted", "accepted", "refusal" in accepted ? accepted.detail : "accepted");

const resigned = async (change: Partial<UnsignedPackageIndex>) => signPackageIndex({ ...unsignedIndex, ...change }, node.signer);
const indexCases: { name: string; index: unknown; now: number; seen: { seq: number; highest: Record<string, string> } | null; refusal: string }[] = [
  { name: "signed by another node", index: { ...(await signPackageIndex({ ...unsignedIndex, origin: other.signer.nodeId }, other.signer)), origin }, now: at, seen: null, refusal: "bad_signature" },
  { name: "a listed version changed after signing", index: { ...index, packages: [unsignedIndex.packages[0]!, { name: "server-memory", versions: [{ version: "2026.7.4", entry: "7a".repeat(32) }] }] }, now: at, seen: null, refusal: "bad_signature" },
  { name: "past its expiry", index, now: unsignedIndex.expires, seen: null, refusal: "expired" },
  { name: "an older sequence than one seen", index, now: at, seen: { seq: 8, highest: {} }, refusal: "replayed_index" },
  { name: "an older version presented as the newest", index: await resigned({ seq: 9, packages: [{ name: "server-memory", versions: [{ version: "2026.7.4", entry: "7a".repeat(32) }] }] }), now: at, seen: { seq: 8, highest: { "server-memory": "2026.8.31" } }, refusal: "version_rollback" },
  { name: "versions out of order", index: await resigned({ packages: [{ name: "server-memory", versions: [{ version: "2026.8.31", entry: memoryId }, { version: "2026.7.4", entry: "7a".repeat(32) }] }] }), now: at, seen: null, refusal: "malformed" },
  { name: "valid for longer than a week", index: await resigned({ expires: SIGNED_MS + 8 * 86_400_000 }), now: at, seen: null, refusal: "malformed" },
];
const refusedIndexes = [];
for (const c of indexCases) {
  const r = await checkPackageIndex(c.index, { key: originKey, now: c.now, seen: c.seen ? { seq: c.seen.seq, highest: new Map(Object.entries(c.seen.highest)) } : undefined });
  agree(`index "${c.name}"`, c.refusal, "refusal" in r ? r.refusal : "accepted");
  refusedIndexes.push({ ...c, detail: "refusal" in r ? r.detail : "" });
}

// Import: the fixture server.json, with the facts npm and one run of the package supply.
const doc = fixture("server-memory.server.json");
const imported = packageFromServerJson(serverJson.parse(doc), { integrity: INTEGRITY, entry: "dist/index.js", tools: memoryTools, licence: "MIT", previous: null });

write("registry/packages.json", {
  about:
    "Package entries and the package index (docs/protocol.md §18), signed with the Ed25519 test signer over context ‖ 0x00 ‖ JCS(document without sig). Entry context 'mcpfed/1 registry-entry'; index context 'mcpfed/1 package-index'. Admission and index checks run with their clock at the given times.",
  contexts: { entry: "mcpfed/1 registry-entry", index: "mcpfed/1 package-index" },
  clockMs: SIGNED_MS,
  signers: { origin: { publicKey: node.publicKey, nodeId: origin }, other: { publicKey: other.publicKey, nodeId: other.signer.nodeId } },
  entries,
  refused,
  index: { signed: index, now: at, seen, accepted: true },
  refusedIndexes,
  serverJsonImport: { serverJson: doc, facts: { integrity: INTEGRITY, entry: "dist/index.js", licence: "MIT", previous: null, tools: "the tools of the first entry" }, body: imported },
});
