// The consumer's side of a completed relayed request: the provider's receipt must be well formed
// and for this very result before the node countersigns it; otherwise the record is flagged and
// the result withheld.
import type { LedgerSigner } from "../../protocol/ledger/signing.ts";
import { ReceiptRejected } from "../../protocol/ledger/signing.ts";
import { contentHash, record as recordSchema, type SignedIntent } from "../../protocol/ledger/record.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { LedgerCheckpoints } from "../ledger/checkpoints.ts";
import { pushCountersigned, type Outbox, type PushPort } from "./countersigns.ts";
import { RelayError } from "./errors.ts";

export interface ProviderAnswer {
  origin: string;
  /** How errors name the provider: `peer <alias>`. */
  name: string;
  result: unknown;
  receipt: unknown;
  elapsedMs: number;
  /** Whether the result has the shape the client expects: nothing is countersigned for one it could not take. */
  resultValid: boolean;
}

/**
 * Countersigns the provider's receipt and pushes it to the provider under `defer`, which runs
 * alongside the answer to the client (the outbox keeps it for a retry); returns the record's id.
 */
export async function countersignAnswer(
  s: PushPort & { ledger: Ledger; relay: { outbox: Outbox }; checkpoints: LedgerCheckpoints },
  signer: LedgerSigner,
  intent: SignedIntent,
  a: ProviderAnswer,
  defer: (work: Promise<unknown>) => void,
): Promise<string> {
  let completed;
  try {
    if (!a.resultValid) throw new ReceiptRejected("malformed");
    const receipt = recordSchema.safeParse(a.receipt);
    if (!receipt.success) throw new ReceiptRejected("malformed");
    // The receipt must be for this result: a provider cannot bill one answer and send another.
    if (receipt.data.receipt.result !== (await contentHash(a.result))) throw new ReceiptRejected("malformed");
    completed = await s.ledger.countersign(signer, intent, receipt.data, a.elapsedMs);
  } catch (err) {
    if (!(err instanceof ReceiptRejected)) throw err;
    await s.ledger.flag(intent.intent.id, a.origin, `receipt_${err.reason}`, a.receipt);
    throw new RelayError({ kind: "receipt_rejected", message: `${a.name}: its receipt was rejected (${err.reason}); the result is withheld`, peer: a.origin, reason: err.reason });
  }
  s.relay.outbox.add(a.origin, completed.intent.id, completed);
  defer(pushCountersigned(s, s.relay.outbox, a.origin));
  if (completed.intent.suite) defer(s.checkpoints.recorded(a.origin));
  return completed.intent.id;
}
