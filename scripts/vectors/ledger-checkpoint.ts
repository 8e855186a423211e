// The ledger's checkpoint suite (docs/protocol.md §8.4, §8.8, §8.9): a record whose parts are
// signed by the Ed25519 half of each node's composite key, two more in one tree, each party's
// composite-signed checkpoint over the three with every inclusion path, a proof a third party
// checks, and tampered records, checkpoints and proofs with the verdict each gets.
import { fromBase64url, toBase64url, utf8 } from "../../src/protocol/encoding/bytes.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { ed25519ComponentMessage } from "../../src/protocol/identity/ed25519-component.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import { checkpointHash, leafData, pathOf, recordLeaf, rootOf, signCheckpoint, verifyCheckpoint, type CheckpointBody, type SignedCheckpoint } from "../../src/protocol/ledger/checkpoint.ts";
import { verifyRecordProof } from "../../src/protocol/ledger/proof.ts";
import { canonicalRecord, type Intent, type LedgerRecord, type SignedIntent } from "../../src/protocol/ledger/record.ts";
import { requestHash } from "../../src/protocol/ledger/request-hash.ts";
import { countersign, INTENT_CONTEXT, intentBytes, signReceipt, verifyRecord, type LedgerSigner, type LedgerVerifier } from "../../src/protocol/ledger/signing.ts";
import { CHECKPOINT_SUITE } from "../../src/protocol/ledger/suite.ts";
import { agree, b64, hex, p, write } from "./common.ts";
import type { Party } from "./composite.ts";

const signerOf = (k: SigningKey): LedgerSigner => ({ nodeId: k.nodeId, sign: (m, c) => k.signer.sign(m, c), signEd25519: (m, c) => k.signer.signEd25519(m, c) });

function verifierOf(known: Party[]): LedgerVerifier {
  const keys = new Map(known.map((k) => [k.key.nodeId, b64(k.key.signer.publicKey)]));
  return {
    async keyOf(node) {
      const pub = keys.get(node);
      if (!pub) return undefined;
      const key = await signingKey(p, pub);
      return { verify: (m, s, c) => key.verify(s, m, c), verifyEd25519: (m, s, c) => key.verifyEd25519(s, m, c) };
    },
  };
}

function flipped(sig: string, at: number): string {
  const bytes = fromBase64url(sig);
  bytes[at < 0 ? bytes.length + at : at]! ^= 0x01;
  return toBase64url(bytes);
}
const party = (k: Party) => ({ seed: b64(k.seed), nodeId: k.key.nodeId, publicKey: b64(k.key.signer.publicKey) });

export async function checkpointSuiteVectors(o: { consumer: Party; provider: Party; stranger: Party }): Promise<void> {
  const { consumer, provider } = o;
  const verifier = verifierOf([consumer, provider, o.stranger]);
  const cs = signerOf(consumer.key);
  const ps = signerOf(provider.key);

  const example = { context: INTENT_CONTEXT, message: utf8("mcpfed/1 test vector message") };
  const exampleSigned = ed25519ComponentMessage(example.message, example.context);

  // Three calls; the tree over them has a leaf whose path has a lone right sibling.
  const records: LedgerRecord[] = [];
  const intents: SignedIntent[] = [];
  for (let i = 0; i < 3; i++) {
    const args = { q: `query ${i}` };
    const intent: Intent = {
      v: "mcpfed/1",
      id: (0x50 + i).toString(16).repeat(32),
      consumer: consumer.key.nodeId,
      provider: provider.key.nodeId,
      tool: { id: `${provider.key.nodeId}/archive/search`, fingerprint: `sha256:${"a3".repeat(32)}` },
      request: await requestHash("search", args),
      price: { model: "per_call", amount: 250, unit: "usd-micro" },
      requestedAt: 1_767_225_600_000 + i * 1000,
      suite: CHECKPOINT_SUITE,
    };
    const sent: SignedIntent = { intent, sig: b64(await consumer.key.signer.signEd25519(intentBytes({ intent }), INTENT_CONTEXT)) };
    const pending = await signReceipt(ps, sent, { result: { content: [{ type: "text", text: `${i} hits` }] }, durationMs: 40, completedAt: intent.requestedAt + 44 });
    intents.push(sent);
    records.push(await countersign(cs, verifier, sent, pending, 50));
  }
  const record = records[1]!;
  const pending = { ...record, sigs: { intent: record.sigs.intent, receipt: record.sigs.receipt } };
  const composite = async (context: string) => b64(await consumer.key.signer.sign(intentBytes(record), context));

  const tampered: { name: string; record: unknown; verdict: string }[] = [
    { name: "confirmed under the checkpoint suite", record, verdict: "valid" },
    { name: "pending: not yet countersigned", record: pending, verdict: "pending" },
    { name: "the intent's price changed after it was signed", record: { ...record, intent: { ...record.intent, price: { model: "per_call", amount: 1, unit: "usd-micro" } } }, verdict: "bad_intent_signature" },
    { name: "the suite removed from the intent (a downgrade to composite)", record: { ...record, intent: { ...record.intent, suite: undefined } }, verdict: "bad_intent_signature" },
    { name: "the receipt's result changed after it was signed", record: { ...record, receipt: { ...record.receipt, result: `sha256:${"00".repeat(32)}` } }, verdict: "bad_receipt_signature" },
    { name: "a bit flipped in the countersignature", record: { ...record, sigs: { ...record.sigs, countersign: flipped(record.sigs.countersign!, 0) } }, verdict: "bad_countersignature" },
    { name: "a composite intent signature presented under the checkpoint suite", record: { ...record, sigs: { ...record.sigs, intent: await composite(INTENT_CONTEXT) } }, verdict: "bad_intent_signature" },
    {
      name: "the receipt signed by the composite's own Ed25519 half (no mcpfed/1 ed25519 prefix)",
      record: { ...record, sigs: { ...record.sigs, receipt: b64(fromBase64url(b64(await provider.key.signer.sign(utf8("x"), "y"))).subarray(3309)) } },
      verdict: "bad_receipt_signature",
    },
  ];
  for (const t of tampered) agree(`checkpoint-suite record: ${t.name}`, t.verdict, await verifyRecord(verifier, JSON.parse(JSON.stringify(t.record))));

  const leaves = records.map(recordLeaf);
  const root = rootOf(leaves);
  const ids = records.map((r) => r.intent.id);
  const body = (signer: Party, peer: Party, extra: Partial<CheckpointBody> = {}): CheckpointBody => ({
    v: "mcpfed/1",
    type: "ledger-checkpoint",
    signer: signer.key.nodeId,
    peer: peer.key.nodeId,
    seq: 0,
    prev: null,
    size: records.length,
    root,
    at: 1_767_225_700,
    ...extra,
  });
  const byConsumer = await signCheckpoint(cs, body(consumer, provider));
  const byProvider = await signCheckpoint(ps, body(provider, consumer));
  const next = await signCheckpoint(cs, body(consumer, provider, { seq: 1, prev: await checkpointHash(byConsumer), size: 1, root: rootOf([leaves[0]!]) }));
  for (const c of [byConsumer, byProvider, next]) agree("checkpoint verifies", "valid", (await verifyCheckpoint(verifier, c)).verdict);
  const paths = leaves.map((_, i) => pathOf(leaves, i));
  const cover = (checkpoint: SignedCheckpoint, index = 1, path = paths[1]!) => ({ checkpoint, index, path });
  const proof = { record, checkpoints: [cover(byConsumer), cover(byProvider)] };
  const wrongRoot = await signCheckpoint(ps, body(provider, consumer, { root: rootOf([leaves[0]!, leaves[2]!, leaves[1]!]) }));
  const proofs: { name: string; proof: unknown; verdict: string }[] = [
    { name: "both checkpoints cover the record", proof, verdict: "post_quantum_final" },
    { name: "only the consumer's checkpoint", proof: { record, checkpoints: [cover(byConsumer)] }, verdict: "confirmed" },
    { name: "the provider's checkpoint signs another root", proof: { record, checkpoints: [cover(byConsumer), cover(wrongRoot)] }, verdict: "path_does_not_verify" },
    { name: "a bit flipped in the provider's checkpoint signature", proof: { record, checkpoints: [cover(byConsumer), cover({ ...byProvider, sig: flipped(byProvider.sig, -1) })] }, verdict: "bad_checkpoint_signature" },
    { name: "the checkpoint's root changed after it was signed", proof: { record, checkpoints: [cover(byConsumer), cover({ ...byProvider, checkpoint: { ...byProvider.checkpoint, root: "00".repeat(32) } })] }, verdict: "bad_checkpoint_signature" },
    { name: "a path element changed", proof: { record, checkpoints: [cover(byConsumer), cover(byProvider, 1, [paths[1]![0]!.replace(/^./, (c) => (c === "0" ? "1" : "0")), ...paths[1]!.slice(1)])] }, verdict: "path_does_not_verify" },
    { name: "the path of another leaf", proof: { record, checkpoints: [cover(byConsumer), cover(byProvider, 0, paths[0]!)] }, verdict: "path_does_not_verify" },
    { name: "a checkpoint with a node that is not a party", proof: { record, checkpoints: [cover(byConsumer), cover(await signCheckpoint(cs, body(consumer, o.stranger)))] }, verdict: "checkpoint_not_of_parties" },
    { name: "the record itself tampered", proof: { ...proof, record: tampered[4]!.record }, verdict: "bad_receipt_signature" },
  ];
  for (const t of proofs) agree(`proof: ${t.name}`, t.verdict, await verifyRecordProof(verifier, JSON.parse(JSON.stringify(t.proof))));

  write("ledger/checkpoint.json", {
    about:
      "The ledger's checkpoint suite (docs/protocol.md §8.4, §8.8, §8.9). Record parts are Ed25519 signatures by the Ed25519 half of each node's composite key " +
      "over \"mcpfed/1 ed25519\" || 0x00 || context || 0x00 || bytes (`ed25519.signed` for `ed25519.message`); checkpoints are composite-signed (deterministic ML-DSA), " +
      "context \"mcpfed/1 ledger-checkpoint\", over JCS of `checkpoint`. Leaves are SHA-256(0x00 || JCS({intent, receipt})), the tree is RFC 9162's; hashes and paths are hex. " +
      "The verifier knows `consumer`, `provider` and `stranger` by their composite public keys. Each record, checkpoint and proof gets `verdict`.",
    consumer: party(consumer),
    provider: party(provider),
    stranger: party(o.stranger),
    ed25519: {
      context: example.context,
      message: b64(example.message),
      signed: b64(exampleSigned),
      consumerSignature: b64(await consumer.key.signer.signEd25519(example.message, example.context)),
    },
    tree: {
      records: records.map((r, i) => ({ id: r.intent.id, canonical: canonicalRecord(r), leafData: b64(leafData(r)), leaf: hex(leaves[i]!), path: paths[i] })),
      root,
      ids,
    },
    checkpoints: {
      consumer: { signed: byConsumer, hash: await checkpointHash(byConsumer), signingInput: b64(utf8(canonicalJson(byConsumer.checkpoint))) },
      provider: { signed: byProvider, hash: await checkpointHash(byProvider) },
      consumerNext: { signed: next, note: "seq 1: prev is the hash of the consumer's seq 0, one leaf (the first record)" },
    },
    records: tampered,
    proofs,
  });
}
