// Vectors for the trust entry kinds (test/vectors/trust-entries.json, protocol §7.1.2): a live
// entry of each kind and a tombstone, signed by Ed25519 test signers from fixed seeds, with every
// derived form; entries admission refuses, each with its reason and detail; and a signed vouch
// altered after signing, which admits as well-shaped and fails its signature. Run by
// scripts/vectors.ts; checked by test/protocol/trust-entries.test.ts.
import type { UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import { ed25519TestSigner, TestKeyring } from "../../test/support/ed25519.ts";
import { confirmedRecord } from "../../test/support/confirmed-record.ts";
import { counting, write } from "./common.ts";
import { admissionAt, badSignatureVerdict, refusedEntryVectors, signedEntryVector, type SignedEntryVector } from "./entry-kinds.ts";

const rater = await ed25519TestSigner(counting(0x01));
const provider = await ed25519TestSigner(counting(0x41));
const origin = rater.signer.nodeId;
const subject = provider.signer.nodeId;

/** 2026-01-01T00:00:00Z: the HLC's wall time, and the clock admission runs at. */
const SIGNED_MS = 1_767_225_600_000;
const SIGNED = SIGNED_MS / 1000;
const hlc = encodeHlc({ wall: SIGNED_MS, counter: 0 });
const DAY = 86_400;

const fingerprint = await toolFingerprint({ name: "find", description: "Full-text search", inputSchema: { type: "object", properties: { q: { type: "string" } } } });
const proof = await confirmedRecord(rater, provider, { id: "5a".repeat(32), toolId: `${subject}/search/find`, fingerprint, requestedAt: SIGNED_MS - 3_600_000 });
const pending = { ...proof, sigs: { intent: proof.sigs.intent, receipt: proof.sigs.receipt } };
const reversed = await confirmedRecord(provider, rater, { id: "6b".repeat(32), toolId: `${subject}/search/find`, fingerprint, requestedAt: SIGNED_MS - 3_600_000 });
const toItself = await confirmedRecord(rater, rater, { id: "7c".repeat(32), toolId: `${origin}/search/find`, fingerprint, requestedAt: SIGNED_MS - 3_600_000 });

const base = { origin, hlc, tombstone: false as const };
const valid = {
  vouch: { ...base, kind: "vouch", key: `${subject}/search`, visibility: "public", body: { subject, weight: 60, scope: "search", expiresAt: SIGNED + 90 * DAY } },
  "vouch without scope": { ...base, kind: "vouch", key: subject, visibility: "peers", body: { subject, weight: 100, expiresAt: SIGNED + 400 * DAY } },
  rating: { ...base, kind: "rating", key: `${subject}/search/find`, visibility: "public", body: { toolOrigin: subject, tool: "search/find", fingerprint, stars: 4, text: "Fast; finds what I ask — mostly. ★★★★", proof } },
  assertion: { ...base, kind: "assertion", key: subject, visibility: "public", body: { subject, score: 412, tier: "known", computedAt: SIGNED - 30 } },
  warning: { ...base, kind: "warning", key: subject, visibility: "public", body: { subject, reason: "disputes", text: "Receipts charge twice the quoted price.", records: ["5a".repeat(32)], expiresAt: SIGNED + 30 * DAY } },
  attestation: { ...base, kind: "attestation", key: `${subject}/verified-domain`, visibility: "public", body: { subject, status: "verified-domain", domain: "search.example.org", expiresAt: SIGNED + 365 * DAY } },
  "vouch tombstone": { origin, kind: "vouch", key: `${subject}/search`, visibility: "public", hlc: encodeHlc({ wall: SIGNED_MS, counter: 1 }), tombstone: true },
} as Record<string, UnsignedEntry>;

const keyring = new TestKeyring().add(rater, provider);
const rules = admissionAt(SIGNED_MS);
const entries: SignedEntryVector[] = [];
for (const [name, u] of Object.entries(valid)) entries.push(await signedEntryVector("trust", name, u, { signer: rater.signer, rules, keyring }));

// Refused entries carry a placeholder signature: admission refuses them before any is checked.
const live = (name: string) => valid[name] as Extract<UnsignedEntry, { tombstone: false }> & { body: Record<string, unknown> };
const withBody = (name: string, change: Record<string, unknown>, entry: Record<string, unknown> = {}) => ({ ...live(name), ...entry, body: { ...live(name).body, ...change } });
const refusedUnsigned: Record<string, Record<string, unknown>> = {
  "a self-vouch": { ...withBody("vouch without scope", { subject: origin }), key: origin },
  "a self-warning": { ...withBody("warning", { subject: origin }), key: origin },
  "an assertion about its own origin": { ...withBody("assertion", { subject: origin }), key: origin },
  "a rating of the rater's own tool": withBody("rating", { toolOrigin: origin, proof: toItself }, { key: `${origin}/search/find` }),
  "a vouch expiring more than 400 days after its HLC": withBody("vouch", { expiresAt: SIGNED + 400 * DAY + 1 }),
  "a warning that expired when it was signed": withBody("warning", { expiresAt: SIGNED }),
  "a vouch key without the body's scope": { ...live("vouch"), key: subject },
  "a vouch key for another subject": { ...live("vouch without scope"), key: "t-0000" },
  "a vouch weight of 0": withBody("vouch", { weight: 0 }),
  "a vouch weight of 101": withBody("vouch", { weight: 101 }),
  "a vouch weight that is not an integer": withBody("vouch", { weight: 50.5 }),
  "a vouch scope in capitals": { ...withBody("vouch", { scope: "Search" }), key: `${subject}/Search` },
  "a rating whose proof is pending": withBody("rating", { proof: pending }),
  "a rating whose proof is the provider's call to the rater": withBody("rating", { proof: reversed }),
  "a rating of another tool than the proof's": withBody("rating", { tool: "search/other" }, { key: `${subject}/search/other` }),
  "a rating of another fingerprint than the proof's": withBody("rating", { fingerprint: `sha256:${"0".repeat(64)}` }),
  "a rating of 6 stars": withBody("rating", { stars: 6 }),
  "a rating text of 281 characters": withBody("rating", { text: "x".repeat(281) }),
  "a rating text with a control character": withBody("rating", { text: "fine\u001b[2J" }),
  "an assertion score over 1000": withBody("assertion", { score: 1001 }),
  "an assertion computed after it was signed": withBody("assertion", { computedAt: SIGNED + 1 }),
  "a warning for an unknown reason": withBody("warning", { reason: "rude" }),
  "a warning citing 17 records": withBody("warning", { records: Array.from({ length: 17 }, (_, i) => i.toString(16).padStart(64, "0")) }),
  "an attestation key with another status": { ...live("attestation"), key: `${subject}/premium` },
  "an attestation domain in capitals": withBody("attestation", { domain: "Search.example.org" }),
  "a field the kind does not have": withBody("vouch", { note: "extra" }),
  "a vouch tombstone with a body": { ...valid["vouch tombstone"]!, body: live("vouch").body },
};
const refused = await refusedEntryVectors("trust", refusedUnsigned, rules);

// Well-formed but altered after signing: only the signature tells.
const vouch = entries[0]!.signed as { body: { weight: number } };
const forged = { ...vouch, body: { ...vouch.body, weight: 100 } };
const forgedVerdict = await badSignatureVerdict("the forged vouch", forged, rules, keyring);

write("trust-entries.json", {
  about: "Trust entries (docs/protocol.md §7.1.2), signed with the Ed25519 test signer over context ‖ 0x00 ‖ JCS(entry without sig). Admission runs with its clock at the entries' HLC wall time.",
  context: "mcpfed/1 registry-entry",
  clockMs: SIGNED_MS,
  signers: {
    origin: { publicKey: rater.publicKey, nodeId: origin },
    subject: { publicKey: provider.publicKey, nodeId: subject },
  },
  entries,
  refused,
  forged: { name: "a vouch whose weight was raised after signing", entry: forged, verdict: forgedVerdict },
});
