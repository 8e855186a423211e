// The registry's vectors (test/vectors/registry/), signed by the Ed25519 test signer; run by
// scripts/vectors.ts. Ed25519 is deterministic and the seeds are fixed, so the output only changes
// when the format does; test/protocol/registry-entry.test.ts checks the code against the files.
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import { beats } from "../../src/protocol/registry/conflict.ts";
import { signingBytes, unsignedEntry, type UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { signEntry } from "../../src/protocol/registry/signing.ts";
import { ed25519TestSigner } from "../../test/support/ed25519.ts";
import { hex, write } from "./common.ts";

const seed = new Uint8Array(32).map((_, i) => i + 1);
const id = await ed25519TestSigner(seed);
const origin = id.signer.nodeId;

const tool = {
  name: "search",
  title: "Search the archive",
  description: "Finds documents — by words, dates (≥ 2001) or ümlauts.",
  inputSchema: {
    type: "object" as const,
    properties: { q: { type: "string" }, limit: { type: "integer", minimum: 1, maximum: 1e21 }, boost: { type: "number", default: 0.1 } },
    required: ["q"],
  },
  annotations: { readOnlyHint: true },
};

const unsigned: Record<string, UnsignedEntry> = {
  "live-public": {
    origin,
    kind: "tool",
    key: "archive/search",
    visibility: "public",
    hlc: "01934df93d7b0000",
    tombstone: false,
    body: { version: "1.4.0", tool, fingerprint: await toolFingerprint(tool), tags: ["archive", "read-only"], pricing: null },
  },
  "live-peers-labelled": {
    origin,
    kind: "tool",
    key: "archive/search@2",
    visibility: "peers",
    hlc: "01934df93d7b0001",
    tombstone: false,
    body: { version: "2.0.0-rc.1", tool, fingerprint: await toolFingerprint(tool), tags: [], pricing: { unit: "call", amount: "0.002" } },
  },
  tombstone: { origin, kind: "tool", key: "archive/search", visibility: "public", hlc: "01934df94f0e0000", tombstone: true },
  "live-replicable": {
    origin,
    kind: "tool",
    key: "archive/search",
    visibility: "peers",
    hlc: "01934df93d7b0002",
    tombstone: false,
    body: { version: "1.4.0", tool, fingerprint: await toolFingerprint(tool), tags: [], pricing: null, replicable: true },
  },
  // The origin lists the tool as "search" (its upstream's prefix is empty), not "archive_search".
  "live-listed-name": {
    origin,
    kind: "tool",
    key: "archive/search",
    visibility: "peers",
    hlc: "01934df93d7b0003",
    tombstone: false,
    body: { version: "1.4.0", tool, fingerprint: await toolFingerprint(tool), tags: [], pricing: null, listedName: "search" },
  },
};

// Unsigned entries that parse must refuse, and why: each breaks one rule of a tool entry's body.
const base = unsigned["live-listed-name"] as Extract<UnsignedEntry, { kind: "tool"; tombstone: false }>;
const replicableBase = unsigned["live-replicable"] as Extract<UnsignedEntry, { kind: "tool"; tombstone: false }>;
const invalid = [
  { name: "replicable is only ever true: false is said by leaving it out", unsigned: { ...replicableBase, body: { ...replicableBase.body, replicable: false } } },
  { name: "replicable is a boolean, not a string", unsigned: { ...replicableBase, body: { ...replicableBase.body, replicable: "true" } } },
  { name: "listedName with a character MCP names do not take", unsigned: { ...base, body: { ...base.body, listedName: "archive/search" } } },
  { name: "listedName empty", unsigned: { ...base, body: { ...base.body, listedName: "" } } },
  { name: "listedName longer than 64 characters", unsigned: { ...base, body: { ...base.body, listedName: "s".repeat(65) } } },
  { name: "listedName not a string", unsigned: { ...base, body: { ...base.body, listedName: 7 } } },
];
for (const c of invalid) {
  if (unsignedEntry.safeParse(c.unsigned).success) throw new Error(`the entry schema accepts "${c.name}"`);
}

const entries = [];
for (const [name, u] of Object.entries(unsigned)) {
  const e = await signEntry(u, id.signer);
  entries.push({ name, unsigned: u, signingBytes: new TextDecoder().decode(signingBytes(u)), signed: e.signed, canonical: e.canonical, id: e.id });
}

// The conflict rule on (hlc, id) pairs: ties on the HLC go to the lower id.
const a = entries[0]!;
const b = entries[2]!;
const low = "0".repeat(63) + "1";
const high = "f".repeat(64);
// The winners are stated by hand from the rule; the generator refuses to write if the code disagrees.
const conflicts = [
  { name: "higher HLC wins (the tombstone)", a: { hlc: b.signed.hlc, id: b.id }, b: { hlc: a.signed.hlc, id: a.id }, winner: "a" },
  { name: "HLC tie: lower id wins", a: { hlc: "01934df93d7b0000", id: high }, b: { hlc: "01934df93d7b0000", id: low }, winner: "b" },
  { name: "the counter orders within a millisecond, whatever the ids", a: { hlc: "01934df93d7b0002", id: high }, b: { hlc: "01934df93d7b0001", id: low }, winner: "a" },
  { name: "an entry does not beat itself", a: { hlc: a.signed.hlc, id: a.id }, b: { hlc: a.signed.hlc, id: a.id }, winner: "none" },
];
for (const c of conflicts) {
  const got = beats(c.a, c.b) ? "a" : beats(c.b, c.a) ? "b" : "none";
  if (got !== c.winner) throw new Error(`conflict rule disagrees on "${c.name}": ${got}`);
}


write("registry/entries.json", {
  context: "mcpfed/1 registry-entry",
  signer: { scheme: "ed25519 over context ‖ 0x00 ‖ message (test signer)", seed: hex(seed), publicKey: id.publicKey, nodeId: origin },
  entries,
  invalid,
});
write("registry/conflicts.json", { rule: "higher HLC wins; on a tie, the lower entry id", cases: conflicts });
