// Registry entries and ledger records signed as production signs them: with the node's composite
// signature (ML-DSA-65 + Ed25519, deterministic ML-DSA here), and copies tampered after signing,
// each with the verdict the verifier must reach. registry.ts and ledger.ts keep the Ed25519 test
// signer's vectors, which independent checks in node:crypto can read.
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { toolFingerprint } from "../../src/protocol/registry/tool-fingerprint.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import { coveringGrant, grantId, signGrantTerms, type Grant } from "../../src/protocol/ledger/grant.ts";
import { canonicalRecord, recordHash, type Intent, type LedgerRecord, type SignedIntent } from "../../src/protocol/ledger/record.ts";
import { countersign, INTENT_CONTEXT, intentBytes, RECEIPT_CONTEXT, receiptBytes, signReceipt, verifyRecord } from "../../src/protocol/ledger/signing.ts";
import { requestHash } from "../../src/protocol/ledger/request-hash.ts";
import { signingBytes, toEntry, type SignedEntry, type UnsignedEntry } from "../../src/protocol/registry/entry.ts";
import { ENTRY_CONTEXT, signEntry, verifyEntry, type EntrySigner } from "../../src/protocol/registry/signing.ts";
import { agree, b64, flipped, verifierOf, write } from "./common.ts";

export interface Party {
  seed: Uint8Array;
  key: SigningKey;
}

/** What src/node/registry/node-keys.ts signs with: the identity's composite signer, as the node id. */
const signerOf = (k: SigningKey): EntrySigner => ({ nodeId: k.nodeId, sign: (m, c) => k.signer.sign(m, c) });

/** What node-keys.ts verifies with: each known node's composite key, as its card states it. */

const ML_DSA_SIG_BYTES = 3309;
const party = (k: Party) => ({ seed: b64(k.seed), nodeId: k.key.nodeId, publicKey: b64(k.key.signer.publicKey) });

export async function compositeSignedVectors(o: { origin: Party; other: Party; stranger: Party; card: Card }): Promise<void> {
  // Registry: a tool entry, its tombstone, and the node's own card as its node entry.
  const origin = o.origin.key.nodeId;
  const tool = { name: "search", description: "Finds documents.", inputSchema: { type: "object" as const, properties: { q: { type: "string" } }, required: ["q"] } };
  const unsigned: Record<string, UnsignedEntry> = {
    tool: {
      origin,
      kind: "tool",
      key: "archive/search",
      visibility: "public",
      hlc: "019b76daa8000000",
      tombstone: false,
      body: { version: "1.0.0", tool, fingerprint: await toolFingerprint(tool), tags: [], pricing: { model: "per_call", amount: 250, unit: "usd-micro" } },
    },
    tombstone: { origin, kind: "tool", key: "archive/search", visibility: "public", hlc: "019b76daa8010000", tombstone: true },
    node: { origin, kind: "node", key: "card", visibility: "public", hlc: "019b76daa8000001", tombstone: false, body: { card: o.card } },
  };
  const registryVerifier = verifierOf([o.origin, o.other]);
  const entries = [];
  for (const [name, u] of Object.entries(unsigned)) {
    const e = await signEntry(u, signerOf(o.origin.key));
    agree(`entry ${name}`, "valid", await verifyEntry(e, registryVerifier));
    entries.push({ name, unsigned: u, signingBytes: new TextDecoder().decode(signingBytes(u)), signed: e.signed, canonical: e.canonical, id: e.id });
  }
  const signed = entries[0]!.signed as SignedEntry & { kind: "tool"; tombstone: false };
  const resign = async (e: UnsignedEntry, by: SigningKey, context = ENTRY_CONTEXT) => ({ ...e, sig: b64(await by.signer.sign(signingBytes(e), context)) }) as SignedEntry;
  const { sig: _sig, ...bare } = signed;
  const tamperedEntries: { name: string; signed: SignedEntry; verdict: string }[] = [
    { name: "the version changed after signing", signed: { ...signed, body: { ...signed.body, version: "1.0.1" } }, verdict: "bad_signature" },
    { name: "the visibility changed after signing", signed: { ...signed, visibility: "peers" }, verdict: "bad_signature" },
    { name: "a bit flipped in the Ed25519 half", signed: { ...signed, sig: flipped(signed.sig, -1) }, verdict: "bad_signature" },
    { name: "a bit flipped in the ML-DSA half", signed: { ...signed, sig: flipped(signed.sig, ML_DSA_SIG_BYTES - 1) }, verdict: "bad_signature" },
    { name: "the Ed25519 half alone", signed: { ...signed, sig: b64(fromBase64url(signed.sig).subarray(ML_DSA_SIG_BYTES)) }, verdict: "bad_signature" },
    { name: "signed under the ledger-intent context", signed: await resign(bare, o.origin.key, INTENT_CONTEXT), verdict: "bad_signature" },
    { name: "signed by another known node, naming this origin", signed: await resign(bare, o.other.key), verdict: "bad_signature" },
    { name: "signed by its origin, a node the verifier does not know", signed: await resign({ ...bare, origin: o.stranger.key.nodeId }, o.stranger.key), verdict: "unknown_origin" },
  ];
  for (const t of tamperedEntries) agree(`entry: ${t.name}`, t.verdict, await verifyEntry(await toEntry(t.signed), registryVerifier));

  write("registry/composite.json", {
    about:
      "Registry entries (docs/protocol.md §7.1) signed with the composite signature production uses (deterministic ML-DSA), context `context`. " +
      "The verifier knows `origin` and `other` by their composite public keys; `tampered` entries get `verdict`.",
    context: ENTRY_CONTEXT,
    origin: party(o.origin),
    other: party(o.other),
    stranger: party(o.stranger),
    entries,
    tampered: tamperedEntries,
  });

  // Ledger: `origin` calls `other`'s tool per call; the record complete, pending, and tampered.
  const consumer = o.origin;
  const provider = o.other;
  const ledgerVerifier = verifierOf([consumer, provider]);
  const args = { q: "ümlauts" };
  const intent: Intent = {
    v: "mcpfed/1",
    id: "44".repeat(32),
    consumer: consumer.key.nodeId,
    provider: provider.key.nodeId,
    tool: { id: `${provider.key.nodeId}/archive/search`, fingerprint: `sha256:${"a3".repeat(32)}` },
    request: await requestHash("search", args),
    price: { model: "per_call", amount: 250, unit: "usd-micro" },
    requestedAt: 1_767_225_600_000,
  };
  const sent: SignedIntent = { intent, sig: b64(await consumer.key.signer.sign(intentBytes({ intent }), INTENT_CONTEXT)) };
  const result = { content: [{ type: "text", text: "3 hits" }] };
  const pending = await signReceipt(signerOf(provider.key), sent, { result, durationMs: 41, completedAt: intent.requestedAt + 44 });
  const record = await countersign(signerOf(consumer.key), ledgerVerifier, sent, pending, 51);
  const withReceipt = async (r: LedgerRecord, by: SigningKey, context = RECEIPT_CONTEXT): Promise<LedgerRecord> => {
    const { countersign: _c, ...sigs } = r.sigs;
    const bare = { ...r, sigs };
    return { ...bare, sigs: { ...sigs, receipt: b64(await by.signer.sign(receiptBytes(bare), context)) } };
  };
  const records: { name: string; record: LedgerRecord; verdict: string }[] = [
    { name: "confirmed", record, verdict: "valid" },
    { name: "pending: not yet countersigned", record: pending, verdict: "pending" },
    { name: "the price changed after the intent was signed", record: { ...record, intent: { ...intent, price: { ...intent.price, amount: 1 } } as Intent }, verdict: "bad_intent_signature" },
    { name: "the charge changed after the receipt was signed", record: { ...record, receipt: { ...record.receipt, amount: 1 } }, verdict: "bad_receipt_signature" },
    { name: "a bit flipped in the countersignature", record: { ...record, sigs: { ...record.sigs, countersign: flipped(record.sigs.countersign!, -1) } }, verdict: "bad_countersignature" },
    { name: "the intent signed by the provider", record: { ...record, sigs: { ...record.sigs, intent: b64(await provider.key.signer.sign(intentBytes(record), INTENT_CONTEXT)) } }, verdict: "bad_intent_signature" },
    { name: "the receipt signed under the intent context", record: await withReceipt(pending, provider.key, INTENT_CONTEXT), verdict: "bad_receipt_signature" },
    { name: "a charge the price does not settle to, validly signed", record: await withReceipt({ ...pending, receipt: { ...pending.receipt, amount: 251 } }, provider.key), verdict: "amount_mismatch" },
    { name: "a consumer the verifier does not know", record: { ...record, intent: { ...intent, consumer: o.stranger.key.nodeId } }, verdict: "unknown_node" },
  ];
  for (const r of records) agree(`record: ${r.name}`, r.verdict, await verifyRecord(ledgerVerifier, r.record));

  const terms: Grant = {
    provider: provider.key.nodeId,
    consumer: consumer.key.nodeId,
    tool: intent.tool.id,
    from: 1_767_225_600_000,
    until: 1_767_225_600_000 + 30 * 86_400_000,
    amount: 900,
    unit: "credit",
    nonce: "0e".repeat(16),
  };
  const grant = await signGrantTerms(signerOf(provider.key), terms);
  const call = { provider: terms.provider, consumer: terms.consumer, tool: terms.tool, at: terms.from };
  const id = await grantId(terms);
  agree("the grant covers a call", id, await coveringGrant(ledgerVerifier, grant, call));
  agree("a tampered grant covers nothing", undefined, await coveringGrant(ledgerVerifier, { ...grant, grant: { ...terms, amount: 1 } }, call));

  write("ledger/composite.json", {
    about:
      "Ledger records (docs/protocol.md §8.3–8.4) and a grant signed with the composite signature production uses (deterministic ML-DSA). " +
      "The verifier knows `consumer` and `provider` by their composite public keys; each record gets `verdict`. " +
      "`grant` covers a call by the consumer to its tool at `grant.call.at`; `grant.tampered` (the amount changed) covers nothing.",
    consumer: party(consumer),
    provider: party(provider),
    stranger: party(o.stranger),
    arguments: args,
    result,
    records: await Promise.all(records.map(async (r) => ({ ...r, canonical: canonicalRecord(r.record), hash: await recordHash(r.record) }))),
    grant: { signed: grant, id, call, tampered: { ...grant, grant: { ...terms, amount: 1 } } },
  });
}
