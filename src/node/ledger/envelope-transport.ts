// The ledger's reconciliation over the federation, as gossip's (src/node/gossip/envelope-transport.ts):
// each request goes through the federation client to an active peer's ledger route.
import type { FederationClient } from "../federation-client/client.ts";
import { ledgerReconcileReply, ledgerTransferReply } from "../../protocol/messages/ledger.ts";
import type { LedgerTransport } from "./reconciliation.ts";

/**
 * Records per transfer over an envelope. A record carries three composite signatures (~14 KB), so
 * the protocol's 500 would not fit a request body or a sealed answer (1 MiB each by default).
 */
export const ENVELOPE_TRANSFER_BATCH = 32;

export function ledgerEnvelopeTransport(client: FederationClient): LedgerTransport {
  return {
    reconcile: (id, request) => client.callActive(id, "ledger-reconcile", request, ledgerReconcileReply),
    transfer: (id, request) => client.callActive(id, "ledger-transfer", request, ledgerTransferReply),
  };
}
