// How a node pays a peer outside the federation and how the payee checks a payment arrived
// (protocol §16). An adapter never signs: the settlement record is signed by the ledger's owner.
import type { Settlement, SettlementMethod } from "../../../protocol/ledger/settlement.ts";

/** What is due: paid as one settlement, whose id the processor's payment carries. */
export interface Due {
  settlementId: string;
  payee: string;
  unit: string;
  amount: number;
}

/** paid: the payment matches the settlement; unpaid: it does not (or not yet); unknown: this adapter cannot tell. */
export type Verification = "paid" | "unpaid" | "unknown";

export interface SettlementAdapter {
  readonly method: SettlementMethod;
  /** Pays `due` and returns the payment's reference; absent where the adapter cannot pay (manual). */
  pay?(due: Due): Promise<string>;
  verify(settlement: Settlement): Promise<Verification>;
}
