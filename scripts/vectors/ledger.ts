// The ledger's vectors (test/vectors/ledger/records.json), signed by the Ed25519 test signer; run
// by scripts/vectors.ts. Ed25519 is deterministic and the seeds, ids and times are fixed, so the
// output only changes when the format does; test/protocol/ledger-vectors.test.ts checks the code.
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { grantId, signGrantTerms, type Grant } from "../../src/protocol/ledger/grant.ts";
import { canonicalRecord, contentHash, recordHash, type Intent, type SignedIntent } from "../../src/protocol/ledger/record.ts";
import { countersign, countersignBytes, INTENT_CONTEXT, intentBytes, receiptBytes, signReceipt } from "../../src/protocol/ledger/signing.ts";
import { requestHash } from "../../src/protocol/ledger/request-hash.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../../test/support/ed25519.ts";
import { hex, write } from "./common.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const seeds = { consumer: new Uint8Array(32).map((_, i) => 0x40 + i), provider: new Uint8Array(32).map((_, i) => 0x80 + i) };
const consumer = await ed25519TestSigner(seeds.consumer);
const provider = await ed25519TestSigner(seeds.provider);
const keys = new TestKeyring().add(consumer, provider);
const tool = { id: `${provider.signer.nodeId}/archive/search`, fingerprint: `sha256:${"a3".repeat(32)}` };

async function intentOf(id: string, args: Record<string, unknown>, price: Intent["price"], requestedAt: number): Promise<SignedIntent> {
  const intent: Intent = {
    v: "mcpfed/1",
    id,
    consumer: consumer.signer.nodeId,
    provider: provider.signer.nodeId,
    tool,
    request: await requestHash("search", args),
    price,
    requestedAt,
  };
  return { intent, sig: toBase64url(await consumer.signer.sign(intentBytes({ intent }), INTENT_CONTEXT)) };
}

async function call(name: string, s: SignedIntent, args: Record<string, unknown>, result: unknown, durationMs: number) {
  const pending = await signReceipt(provider.signer, s, { result, durationMs, completedAt: s.intent.requestedAt + durationMs + 3 });
  const record = await countersign(consumer.signer, keys, s, pending, durationMs + 10);
  return {
    name,
    arguments: args,
    result,
    signingInputs: { intent: text(intentBytes(record)), receipt: text(receiptBytes(record)), countersign: text(countersignBytes(record)) },
    record,
    canonical: canonicalRecord(record),
    hash: await recordHash(record),
  };
}

const terms: Grant = {
  provider: provider.signer.nodeId,
  consumer: consumer.signer.nodeId,
  tool: tool.id,
  from: 1_763_700_000_000,
  until: 1_763_700_000_000 + 30 * 86_400_000,
  amount: 900,
  unit: "credit",
  nonce: "0f".repeat(16),
};
const grant = await signGrantTerms(provider.signer, terms);

const args = { q: "ümlauts", limit: 3 };
const records = [
  await call("per_call", await intentOf("11".repeat(32), args, { model: "per_call", amount: 250, unit: "usd-micro" }, 1_763_700_000_000), args, { content: [{ type: "text", text: "3 hits" }] }, 41),
  await call("per_time, a started second billed whole", await intentOf("22".repeat(32), args, { model: "per_time", amount: 7, per: "second", unit: "credit" }, 1_763_700_100_000), args, { content: [] }, 2001),
];

// A subscription purchase: its quote names the grant, and its request hash is the grant's terms.
const purchaseIntent: Intent = {
  v: "mcpfed/1",
  id: "33".repeat(32),
  consumer: consumer.signer.nodeId,
  provider: provider.signer.nodeId,
  tool,
  request: await contentHash(terms),
  price: { model: "grant", grant: await grantId(terms), amount: 900, unit: "credit" },
  requestedAt: 1_763_700_000_000,
};
const purchase = await call(
  "subscription purchase",
  { intent: purchaseIntent, sig: toBase64url(await consumer.signer.sign(intentBytes({ intent: purchaseIntent }), INTENT_CONTEXT)) },
  {},
  grant,
  0,
);

const signer = (id: TestIdentity, seed: Uint8Array) => ({ seed: hex(seed), publicKey: id.publicKey, nodeId: id.signer.nodeId });
write("ledger/records.json", {
  scheme: "ed25519 over context ‖ 0x00 ‖ message (test signer); production signs with the composite signature",
  contexts: { intent: "mcpfed/1 ledger-intent", receipt: "mcpfed/1 ledger-receipt", countersign: "mcpfed/1 ledger-countersign", grant: "mcpfed/1 ledger-grant" },
  consumer: signer(consumer, seeds.consumer),
  provider: signer(provider, seeds.provider),
  grant: { signed: grant, id: await grantId(terms) },
  records: [...records, purchase],
});
