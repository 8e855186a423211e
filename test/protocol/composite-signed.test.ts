// Registry entries and ledger records signed with the composite signature production uses
// (test/vectors/registry/composite.json, test/vectors/ledger/composite.json): on each crypto path,
// the valid ones verify and every tampered copy gets its stated verdict; on the deterministic
// path, the code re-signs them to the same bytes.
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { signingKeyFromSeed, type SigningKey } from "../../src/protocol/identity/keys.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble, type Primitives } from "../../src/protocol/identity/primitives.ts";
import { coveringGrant, signGrantTerms } from "../../src/protocol/ledger/grant.ts";
import { canonicalRecord, recordHash, record as recordSchema, type LedgerRecord, type SignedIntent } from "../../src/protocol/ledger/record.ts";
import { countersign, signReceipt, verifyRecord } from "../../src/protocol/ledger/signing.ts";
import { signedEntry, signingBytes, toEntry, type UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { signEntry, verifyEntry, type EntrySigner, type EntryVerifier } from "../../src/protocol/registry/signing.ts";
import { PATHS, vector } from "./paths.ts";

interface Party {
  seed: string;
  nodeId: string;
  publicKey: string;
}
interface RegistryVectors {
  origin: Party;
  other: Party;
  entries: { name: string; unsigned: UnsignedEntry; signingBytes: string; signed: unknown; canonical: string; id: string }[];
  tampered: { name: string; signed: unknown; verdict: string }[];
}
interface LedgerVectors {
  consumer: Party;
  provider: Party;
  result: unknown;
  records: { name: string; record: unknown; verdict: string; canonical: string; hash: string }[];
  grant: { signed: { grant: Parameters<typeof signGrantTerms>[1]; sig: string }; id: string; call: { provider: string; consumer: string; tool: string; at: number }; tampered: unknown };
}

const reg = vector<RegistryVectors>("registry/composite.json");
const led = vector<LedgerVectors>("ledger/composite.json");

/** As src/node/registry/node-keys.ts verifies: each known node's composite key, from its card's base64url. */
function verifier(p: Primitives, known: Party[]): EntryVerifier {
  return {
    async keyOf(origin) {
      const party = known.find((k) => k.nodeId === origin);
      if (!party) return undefined;
      const key = await signingKey(p, party.publicKey);
      return { verify: (message, signature, context) => key.verify(signature, message, context) };
    },
  };
}

describe.each(PATHS)("composite-signed registry and ledger vectors (%s)", (_name, p) => {
  it("derives the stated node ids and keys from the seeds", async () => {
    for (const party of [reg.origin, reg.other, led.consumer, led.provider]) {
      const k = await signingKeyFromSeed(p, fromBase64url(party.seed));
      expect(k.nodeId).toBe(party.nodeId);
      expect(Buffer.from(k.signer.publicKey).toString("base64url")).toBe(party.publicKey);
    }
  });

  it.each(reg.entries.map((e) => [e.name, e] as const))("verifies the %s entry, with its signing bytes, canonical form and id", async (_n, e) => {
    const entry = await toEntry(signedEntry.parse(e.signed));
    expect(new TextDecoder().decode(signingBytes(entry.signed))).toBe(e.signingBytes);
    expect(entry.canonical).toBe(e.canonical);
    expect(entry.id).toBe(e.id);
    expect(await verifyEntry(entry, verifier(p, [reg.origin, reg.other]))).toBe("valid");
  });

  it.each(reg.tampered.map((t) => [t.name, t] as const))("refuses the entry with %s", async (_n, t) => {
    const entry = await toEntry(signedEntry.parse(t.signed));
    expect(await verifyEntry(entry, verifier(p, [reg.origin, reg.other]))).toBe(t.verdict);
  });

  it.each(led.records.map((r) => [r.name, r] as const))("gives the record %s its verdict", async (_n, r) => {
    const parsed = recordSchema.parse(r.record);
    expect(canonicalRecord(parsed)).toBe(r.canonical);
    expect(await recordHash(parsed)).toBe(r.hash);
    expect(await verifyRecord(verifier(p, [led.consumer, led.provider]), parsed)).toBe(r.verdict);
  });

  it("takes the grant for the stated call, and not the tampered copy", async () => {
    const keys = verifier(p, [led.consumer, led.provider]);
    expect(await coveringGrant(keys, led.grant.signed, led.grant.call)).toBe(led.grant.id);
    expect(await coveringGrant(keys, led.grant.tampered, led.grant.call)).toBeUndefined();
  });
});

describe("composite-signed vectors, re-signed", () => {
  const p = { ...noble, mlDsa65: deterministicMlDsa65 };
  const signer = (k: SigningKey): EntrySigner => ({ nodeId: k.nodeId, sign: (m, c) => k.signer.sign(m, c) });

  it("signs every entry to the stated bytes", async () => {
    const origin = signer(await signingKeyFromSeed(p, fromBase64url(reg.origin.seed)));
    for (const e of reg.entries) expect((await signEntry(e.unsigned, origin)).signed).toEqual(e.signed);
  });

  it("signs the receipt, countersignature and grant to the stated bytes", async () => {
    const [consumer, provider] = await Promise.all([led.consumer, led.provider].map((k) => signingKeyFromSeed(p, fromBase64url(k.seed))));
    const [confirmed, pending] = led.records.map((r) => r.record as LedgerRecord);
    const sent: SignedIntent = { intent: confirmed!.intent, sig: confirmed!.sigs.intent };
    const receipt = await signReceipt(signer(provider!), sent, { result: led.result, durationMs: pending!.receipt.durationMs, completedAt: pending!.receipt.completedAt });
    expect(receipt).toEqual(pending);
    expect(await countersign(signer(consumer!), verifier(p, [led.consumer, led.provider]), sent, receipt, receipt.receipt.durationMs)).toEqual(confirmed);
    expect(await signGrantTerms(signer(provider!), led.grant.signed.grant)).toEqual(led.grant.signed);
  });
});
