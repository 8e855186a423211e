// Settlements (protocol §16), both sides. The payer pays (through an adapter, or by hand with a
// reference), signs the settlement, stores it pending and sends it to the payee. The payee stores
// it pending, asks its adapter whether the payment arrived, and countersigns when it did; otherwise
// its operator confirms it. Only a countersigned settlement moves a balance. The confirmed copy
// reaches the payer in the answer, or later through ledger reconciliation.
import { newSettlementId, settlement as settlementSchema, signSettlement, type Settlement, type SettlementMethod, type SettlementRecord } from "../../../protocol/ledger/settlement.ts";
import type { LedgerSigner } from "../../../protocol/ledger/signing.ts";
import { PROTOCOL } from "../../../protocol/ledger/record.ts";
import type { SettlementReply, SettlementRequest } from "../../../protocol/messages/settlement.ts";
import { log } from "../../logging/log.ts";
import { retryWait } from "../../schedules/schedule.ts";
import type { ScheduleRuns } from "../../../store/schedules.ts";
import type { Ledger, StoredRecord } from "../ledger.ts";
import type { SettlementAdapter, Verification } from "./adapter.ts";
import { StripeError } from "./stripe.ts";

export class SettlementRefused extends Error {
  override name = "SettlementRefused";
  constructor(
    readonly code: "no_reference" | "not_payable" | "not_found" | "not_pending" | "not_payee" | "rejected",
    message: string,
  ) {
    super(message);
  }
}

export interface SettlementsOptions {
  self: string;
  ledger: Ledger;
  signer: () => Promise<LedgerSigner>;
  /** The adapter for a method, when it is available (Stripe only once configured). */
  adapter: (method: SettlementMethod) => Promise<SettlementAdapter | undefined>;
  /** Sends the pending settlement to the payee (an active peer) and returns its answer. */
  send: (payee: string, request: SettlementRequest) => Promise<SettlementReply>;
  now: () => number;
}

export interface Settled {
  settlement: Settlement;
  status: "confirmed" | "pending";
  /** Why it is still pending, or why the payee could not be told yet (reconciliation tells it later). */
  note?: string;
}

/** The payee's look again at its pending settlements on the tick. */
export interface RecheckReport {
  /** Pending settlements this node is the payee of, whose method's adapter can tell. */
  pending: number;
  /** Asked this tick. */
  checked: number;
  /** Found paid and countersigned this tick. */
  confirmed: string[];
}

/** The job in `schedule_runs` of the payee's looks; subjects are settlement ids. */
export const RECHECK_JOB = "settlement-recheck";
/** Pending settlements the payee asks its processor about per tick. */
export const RECHECK_PER_TICK = 8;
/** Pending settlements read per tick: a payee holds few; one with more sees the rest on later ticks. */
const RECHECK_SCAN = 500;

export class Settlements {
  constructor(private readonly o: SettlementsOptions) {}

  /** The payer: pays `amount` of `unit` to `peer` and tells it. A manual payment needs its reference. */
  async settle(r: { peer: string; unit: string; amount: number; method: SettlementMethod; reference?: string }): Promise<Settled> {
    const id = newSettlementId();
    let reference = r.reference;
    if (reference === undefined) {
      const adapter = await this.o.adapter(r.method);
      if (!adapter?.pay) throw new SettlementRefused(r.method === "manual" ? "no_reference" : "not_payable", r.method === "manual" ? "a manual settlement needs the payment's reference" : `the ${r.method} adapter is not configured to pay`);
      reference = await adapter.pay({ settlementId: id, payee: r.peer, unit: r.unit, amount: r.amount });
    }
    const settlement: Settlement = { v: PROTOCOL, type: "settlement", id, payer: this.o.self, payee: r.peer, unit: r.unit, amount: r.amount, method: r.method, reference, paidAt: this.o.now() };
    const parsed = settlementSchema.safeParse(settlement);
    if (!parsed.success) throw new SettlementRefused("rejected", `not a valid settlement: ${parsed.error.issues[0]?.message ?? "malformed"}`);
    const pending: SettlementRecord = { settlement, sigs: { payer: await signSettlement(await this.o.signer(), settlement) } };
    const stored = await this.o.ledger.receive(pending, null);
    if (stored.outcome !== "stored") throw new SettlementRefused("rejected", `the ledger did not take the settlement (${stored.outcome})`);
    let reply: SettlementReply;
    try {
      reply = await this.o.send(r.peer, { type: "settlement", record: pending });
    } catch (err) {
      log.warn("settlement.send_failed", { peer: r.peer, settlement: id, error: String(err) });
      return { settlement, status: "pending", note: "the payee was not reached; reconciliation delivers it" };
    }
    if (reply.status === "confirmed") {
      const got = await this.o.ledger.receive(reply.record, r.peer);
      if (got.outcome === "confirmed" || got.outcome === "duplicate") return { settlement, status: "confirmed" };
      return { settlement, status: "pending", note: `the payee's copy was refused (${got.outcome === "rejected" ? got.reason : got.outcome})` };
    }
    return { settlement, status: "pending", note: reply.status === "refused" ? `refused by the payee: ${reply.reason}` : reply.reason };
  }

  /** The payee: a peer's pending settlement, stored, verified by its method's adapter, countersigned when paid. */
  async receive(from: string, request: SettlementRequest): Promise<SettlementReply> {
    const { settlement } = request.record;
    if (settlement.payee !== this.o.self || settlement.payer !== from) return { type: "settlement", status: "refused", reason: "not_a_party" };
    const got = await this.o.ledger.receive(request.record, from);
    if (got.outcome === "rejected") return { type: "settlement", status: "refused", reason: got.reason === "not_a_party" || got.reason === "unknown_node" || got.reason === "bad_payer_signature" || got.reason === "bad_payee_signature" ? got.reason : "malformed" };
    if (got.outcome === "disputed") return { type: "settlement", status: "refused", reason: "conflicting_record" };
    const held = await this.o.ledger.get(settlement.id);
    if (held?.status === "confirmed") return { type: "settlement", status: "confirmed", record: JSON.parse(held.record) as SettlementRecord };
    const verdict = await this.#verify(settlement);
    if (verdict === "paid") return { type: "settlement", status: "confirmed", record: await this.#countersign(request.record) };
    if (verdict === "unpaid") await this.o.ledger.note([settlement.id], "payment_not_found");
    return { type: "settlement", status: "pending", reason: verdict === "unpaid" ? "unpaid" : "unverified" };
  }

  /** The payee's operator: the payment arrived, so this node countersigns the pending settlement. */
  async confirm(id: string): Promise<SettlementRecord> {
    const held = await this.o.ledger.get(id);
    if (!held || held.kind !== "settlement") throw new SettlementRefused("not_found", "no such settlement");
    if (held.status !== "pending") throw new SettlementRefused("not_pending", `the settlement is ${held.status}`);
    if (held.role !== "provider") throw new SettlementRefused("not_payee", "only the payee confirms a settlement");
    return this.#countersign(JSON.parse(held.record) as SettlementRecord);
  }

  /**
   * The payee, on the tick: asks the adapter again about the settlements it holds pending (a
   * payment still processing when the payer sent it, a processor that did not answer), at most
   * `limit` a tick, each after a wait that doubles with every look that found it unpaid;
   * countersigns those now paid. The payer gets the confirmed copy by reconciliation. A manual
   * settlement is never asked about: its payee's operator confirms it.
   */
  async recheck(runs: ScheduleRuns, limit: number): Promise<RecheckReport> {
    const held = (await this.o.ledger.list({ status: "pending", kind: "settlement", limit: RECHECK_SCAN })).filter((r) => r.role === "provider");
    const adapters = new Map<SettlementMethod, boolean>();
    const candidates: { record: SettlementRecord }[] = [];
    for (const r of held) {
      const record = JSON.parse(r.record) as SettlementRecord;
      const method = record.settlement.method;
      if (method !== "manual" && !adapters.has(method)) adapters.set(method, (await this.o.adapter(method)) !== undefined);
      if (adapters.get(method)) candidates.push({ record });
    }
    const now = this.o.now();
    const looks = await runs.of(candidates.map((c) => c.record.settlement.id));
    const due = candidates
      .filter((c) => {
        const look = looks.get(c.record.settlement.id);
        return !look || now >= look.lastAttemptAt + retryWait(look.failures);
      })
      .sort((x, y) => (looks.get(x.record.settlement.id)?.lastAttemptAt ?? -1) - (looks.get(y.record.settlement.id)?.lastAttemptAt ?? -1))
      .slice(0, limit);
    const report: RecheckReport = { pending: candidates.length, checked: 0, confirmed: [] };
    for (const { record } of due) {
      const id = record.settlement.id;
      report.checked++;
      const verdict = await this.#verify(record.settlement);
      if (verdict === "paid") {
        await this.#countersign(record);
        await runs.forget(id);
        report.confirmed.push(id);
        continue;
      }
      if (verdict === "unpaid") await this.o.ledger.note([id], "payment_not_found");
      await runs.failed(id, now, verdict);
    }
    return report;
  }

  list(): Promise<StoredRecord[]> {
    return this.o.ledger.list({ kind: "settlement" });
  }

  async #verify(settlement: Settlement): Promise<Verification> {
    const adapter = await this.o.adapter(settlement.method);
    if (!adapter) return "unknown";
    try {
      return await adapter.verify(settlement);
    } catch (err) {
      // The processor could not say: the settlement waits, for the operator or a later look.
      log.warn("settlement.verify_failed", { settlement: settlement.id, method: settlement.method, error: err instanceof StripeError ? `${err.kind}${err.code ? ` ${err.code}` : ""}` : String(err) });
      return "unknown";
    }
  }

  async #countersign(pending: SettlementRecord): Promise<SettlementRecord> {
    const full: SettlementRecord = { settlement: pending.settlement, sigs: { payer: pending.sigs.payer, payee: await signSettlement(await this.o.signer(), pending.settlement) } };
    const got = await this.o.ledger.receive(full, null);
    if (got.outcome !== "confirmed" && got.outcome !== "duplicate") throw new SettlementRefused("rejected", `the ledger did not take the confirmation (${got.outcome === "rejected" ? got.reason : got.outcome})`);
    return full;
  }
}
