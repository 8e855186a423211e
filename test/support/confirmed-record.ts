// A confirmed ledger record (protocol §8.3, §8.4) between two test identities, made the way the
// relay makes one: the consumer's intent, the provider's receipt, the consumer's countersignature.
// The intent id is fixed by the caller, so that vectors built on it are the same on every run.
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { PROTOCOL, type Intent, type LedgerRecord } from "../../src/protocol/ledger/record.ts";
import { countersign, INTENT_CONTEXT, intentBytes, signReceipt } from "../../src/protocol/ledger/signing.ts";
import { TestKeyring, type TestIdentity } from "./ed25519.ts";

export interface RecordSpec {
  /** 64 hex digits: the record's id. */
  id: string;
  /** `<provider>/<upstream>/<tool>`. */
  toolId: string;
  fingerprint: string;
  requestedAt: number;
}

export async function confirmedRecord(consumer: TestIdentity, provider: TestIdentity, spec: RecordSpec): Promise<LedgerRecord> {
  const intent: Intent = {
    v: PROTOCOL,
    id: spec.id,
    consumer: consumer.signer.nodeId,
    provider: provider.signer.nodeId,
    tool: { id: spec.toolId, fingerprint: spec.fingerprint },
    request: `sha256:${"0".repeat(64)}`,
    price: { model: "free" },
    requestedAt: spec.requestedAt,
  };
  const sent = { intent, sig: toBase64url(await consumer.signer.sign(intentBytes({ intent }), INTENT_CONTEXT)) };
  const pending = await signReceipt(provider.signer, sent, { result: { content: [] }, durationMs: 12, completedAt: spec.requestedAt + 15 });
  return countersign(consumer.signer, new TestKeyring().add(consumer, provider), sent, pending, 20);
}
