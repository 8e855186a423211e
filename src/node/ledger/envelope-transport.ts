// The ledger's reconciliation over the federation, as gossip's (src/node/gossip/envelope-transport.ts):
// each request is sealed to an active peer's stored card and POSTed to its ledger route.
import { activePeer, callPeer } from "../federation-client/calls.ts";
import type { Services } from "../services.ts";
import { ledgerReconcileReply, ledgerTransferReply } from "../../protocol/messages/ledger.ts";
import type { LedgerTransport } from "./reconciliation.ts";

/**
 * Records per transfer over an envelope. A record carries three composite signatures (~14 KB), so
 * the protocol's 500 would not fit a request body or a sealed answer (1 MiB each by default).
 */
export const ENVELOPE_TRANSFER_BATCH = 32;

export function ledgerEnvelopeTransport(services: () => Services): LedgerTransport {
  const active = (id: string) => activePeer(services(), id);
  return {
    reconcile: async (id, request) => callPeer(services(), await active(id), "ledger-reconcile", request, ledgerReconcileReply),
    transfer: async (id, request) => callPeer(services(), await active(id), "ledger-transfer", request, ledgerTransferReply),
  };
}
