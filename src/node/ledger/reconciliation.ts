// Reconciliation of the records two nodes share, on gossip's range-based set reconciliation
// (src/protocol/reconciliation.ts). Items are (completion time, record hash): a hash and not the
// record id, so that two versions of one record (a contradiction, or pending against confirmed)
// differ too and are exchanged, and the receiver's Ledger disputes or completes its copy.
import { DEFAULT_RECONCILE, ReconcileSession, ReconcileSet, respond, type ReconcileParams } from "../../protocol/reconciliation.ts";
import type { Ledger, ReceiveOutcome } from "./ledger.ts";
import {
  ledgerReconcileReply,
  ledgerReconcileRequest,
  ledgerTransferReply,
  ledgerTransferRequest,
  MAX_TRANSFER_RECORDS,
  type LedgerReconcileReply,
  type LedgerReconcileRequest,
  type LedgerTransferReply,
  type LedgerTransferRequest,
} from "../../protocol/messages/ledger.ts";
import { record } from "../../protocol/ledger/record.ts";
import type { LedgerEntry } from "../../protocol/ledger/entry.ts";

/** Round trips after which a reconciliation is given up: a peer that never lets it settle cannot hold the tick. */
export const MAX_RECONCILE_ROUNDS = 64;

export class ReconcileUnsettled extends Error {
  override name = "ReconcileUnsettled";
}

/** How the ledger reaches a peer; production seals each request in an envelope, as gossip does. */
export interface LedgerTransport {
  reconcile(peer: string, request: LedgerReconcileRequest): Promise<LedgerReconcileReply>;
  transfer(peer: string, request: LedgerTransferRequest): Promise<LedgerTransferReply>;
}

/** The receiving side, which the federation routes call with the authenticated sender's node id. */
export interface LedgerHandlers {
  onReconcile(from: string, request: LedgerReconcileRequest): Promise<LedgerReconcileReply>;
  onTransfer(from: string, request: LedgerTransferRequest): Promise<LedgerTransferReply>;
}

export interface ReconcileReport {
  rounds: number;
  sent: number;
  received: number;
  /** Records either side refused or found contradicting its own. */
  refused: number;
}

export class LedgerReconciler implements LedgerHandlers {
  constructor(
    private readonly ledger: Ledger,
    private readonly transport: LedgerTransport,
    private readonly params: ReconcileParams = DEFAULT_RECONCILE,
    /** Records, and wanted hashes, per transfer: less than the protocol's limit where a transport carries less. */
    private readonly batch: number = MAX_TRANSFER_RECORDS,
  ) {}

  /** Compares this node's records with `peer`'s and exchanges what either lacks. */
  async reconcileWith(peer: string): Promise<ReconcileReport> {
    const session = new ReconcileSession(ReconcileSet.of(await this.ledger.items(peer)), this.params);
    let message: string | undefined = await session.start();
    let rounds = 0;
    while (message !== undefined) {
      if (rounds >= MAX_RECONCILE_ROUNDS) throw new ReconcileUnsettled(`reconciliation with ${peer} did not settle in ${rounds} round trips`);
      const reply = ledgerReconcileReply.parse(await this.transport.reconcile(peer, { message }));
      rounds++;
      message = await session.next(reply.message);
    }
    const have = [...session.found.have];
    const want = [...session.found.need];
    const report: ReconcileReport = { rounds, sent: 0, received: 0, refused: 0 };
    // The initiator's have set holds full hashes: they are prefixes of themselves.
    const records = (await this.ledger.byHashPrefix(peer, have)).map((text) => JSON.parse(text) as LedgerEntry);
    for (let i = 0; i < Math.max(records.length, want.length); i += this.batch) {
      const request = { records: records.slice(i, i + this.batch), want: want.slice(i, i + this.batch) };
      const reply = ledgerTransferReply.parse(await this.transport.transfer(peer, request));
      report.sent += request.records.length;
      report.refused += reply.refused;
      for (const r of reply.wanted) {
        report.received++;
        if (refuses(await this.#take(r, peer))) report.refused++;
      }
    }
    return report;
  }

  async onReconcile(from: string, request: LedgerReconcileRequest): Promise<LedgerReconcileReply> {
    const { message } = ledgerReconcileRequest.parse(request);
    const set = ReconcileSet.of(await this.ledger.items(from));
    return { message: await respond(set, message, this.params) };
  }

  async onTransfer(from: string, request: LedgerTransferRequest): Promise<LedgerTransferReply> {
    const { records, want } = ledgerTransferRequest.parse(request);
    let refused = 0;
    for (const r of records) if (refuses(await this.#take(r, from))) refused++;
    const wanted = (await this.ledger.byHashPrefix(from, want)).map((text) => JSON.parse(text) as LedgerEntry);
    return { refused, wanted };
  }

  /**
   * Stores what a peer sent, except a pending copy of a call this node made: a consumer completes
   * its records only by countersigning what it was answered, and the provider asks for a missing
   * countersignature with `receipts`. Taking the copy would hold a call it never saw answered.
   */
  async #take(r: unknown, from: string): Promise<ReceiveOutcome | undefined> {
    const parsed = record.safeParse(r);
    if (parsed.success && parsed.data.sigs.countersign === undefined && parsed.data.intent.consumer === this.ledger.self) return undefined;
    return this.ledger.receive(r, from);
  }
}

const refuses = (got: ReceiveOutcome | undefined) => got?.outcome === "rejected" || got?.outcome === "disputed";
