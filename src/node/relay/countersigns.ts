// Delivering countersignatures. The consumer countersigns a receipt as soon as it has it and keeps
// the record in an outbox; PUSH_AFTER_MS later it pushes what its outbox still holds for that
// provider (pushCountersigned, kept alive by the request's defer: waitUntil on Workers). A next
// call to the provider within that time carries the records itself, and the calls of a burst share
// one push; what a push did not deliver rides along on the next call, or is pushed on the tick. A
// provider that is not a peer (a forwarded call's) gets the push through a forwarder (§12.5). The outbox lives in memory, so the provider also asks, on its own tick, for every
// record it still holds pending: a restart of either side delays a confirmation, never loses one.
// A redemption's issuer (§15.9) holds nothing to answer an ask with: it is sent the receipt again.
// A consumer that died before it stored its copy never will countersign: after
// COUNTERSIGN_MAX_ASKS answers without the record, the provider flags it as disputed and stops asking.
import type { z } from "zod";
import type { FederationClient } from "../federation-client/client.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { log } from "../logging/log.ts";
import type { Config } from "../settings/config.ts";
import type { Database } from "../../store/database.ts";
import { getPeer } from "../../store/peers.ts";
import type { ForwardedPort } from "../routes/forwarded/consumer.ts";
import { forwardCountersigned } from "../routes/forwarded/countersigned.ts";
import type { LedgerRecord } from "../../protocol/ledger/record.ts";
import { isRedemptionRecord } from "../../protocol/tokens/online-redemption.ts";
import { deliverReceipt } from "../tokens/online-redemption.ts";
import { countersignedAck, MAX_ASKED, MAX_COUNTERSIGNED, receiptsReply, type receiptsRequest } from "../../protocol/messages/relay.ts";

/** What delivering countersignatures needs of the node. */
export interface CountersignPort {
  db: Database;
  ledger: Ledger;
  federation: FederationClient;
  config: Pick<Config, "countersignAskAfterSeconds" | "countersignMaxAsks">;
}

/**
 * How long a push waits for company. A push is a request the provider opens and answers on its
 * own, so pushing each record alone would nearly double the provider's work per call: at 50 ms a
 * client's next call on a loaded machine often came too late to carry it. At four or more calls a
 * second to a provider the records ride on the calls; a confirmation still lands well within the
 * second the issue allows (docs/protocol.md §6.7).
 */
export const PUSH_AFTER_MS = 250;

/** Countersigned records on their way to their providers. A record one call carries is not handed to another until that call ends. */
export class Outbox {
  readonly #byPeer = new Map<string, Map<string, { record: unknown; sending: boolean }>>();
  readonly #pushes = new Map<string, Promise<void>>();

  add(peer: string, id: string, record: unknown): void {
    let m = this.#byPeer.get(peer);
    if (!m) this.#byPeer.set(peer, (m = new Map()));
    m.set(id, { record, sending: false });
  }

  /** Up to `max` records for `peer` that no other request carries; each stays until acknowledged or released. */
  take(peer: string, max = MAX_COUNTERSIGNED): { ids: string[]; records: unknown[] } {
    const ids: string[] = [];
    const records: unknown[] = [];
    for (const [id, item] of this.#byPeer.get(peer) ?? []) {
      if (ids.length === max) break;
      if (item.sending) continue;
      item.sending = true;
      ids.push(id);
      records.push(item.record);
    }
    return { ids, records };
  }

  /** The request that carried `sent` ended: the acknowledged are done, the others wait for the next. */
  settle(peer: string, sent: readonly string[], acked: readonly string[]): void {
    const m = this.#byPeer.get(peer);
    if (!m) return;
    for (const id of acked) m.delete(id);
    for (const id of sent) {
      const item = m.get(id);
      if (item) item.sending = false;
    }
    if (m.size === 0) this.#byPeer.delete(peer);
  }

  peers(): string[] {
    return [...this.#byPeer.keys()];
  }

  /** Runs `push` for `peer` after `ms`, once for every caller until then: a later record waits for the next. */
  pushSoon(peer: string, ms: number, push: () => Promise<void>): Promise<void> {
    let p = this.#pushes.get(peer);
    if (!p) {
      p = new Promise<void>((r) => setTimeout(r, ms)).then(() => {
        this.#pushes.delete(peer);
        return push();
      });
      this.#pushes.set(peer, p);
    }
    return p;
  }

  get size(): number {
    let n = 0;
    for (const m of this.#byPeer.values()) n += m.size;
    return n;
  }
}

function idOf(record: unknown): string | undefined {
  const id = (record as { intent?: { id?: unknown } } | null)?.intent?.id;
  return typeof id === "string" && /^[0-9a-f]{64}$/.test(id) ? id : undefined;
}

/**
 * The provider takes countersigned records from `from`. Each is verified by the ledger; the ids
 * it has decided on (confirmed, or flagged for the operator) are acknowledged, so the consumer
 * stops resending them.
 */
export async function takeCountersigned(s: Pick<CountersignPort, "ledger">, from: string, records: readonly unknown[]): Promise<string[]> {
  const acked: string[] = [];
  for (const r of records) {
    const id = idOf(r);
    await s.ledger.receive(r, from);
    if (id) acked.push(id);
  }
  return acked;
}

/** The consumer answers a provider's question about records it holds pending. */
export async function answerReceipts(s: Pick<CountersignPort, "ledger">, from: string, request: z.infer<typeof receiptsRequest>): Promise<z.infer<typeof receiptsReply>> {
  const records: unknown[] = [];
  const missing: string[] = [];
  for (const id of request.ids) {
    const held = await s.ledger.get(id);
    if (!held) missing.push(id);
    // Only the two parties ever see a record, and only a complete one proves anything.
    else if (held.peer === from && held.role === "consumer" && held.status === "confirmed") records.push(JSON.parse(held.record));
  }
  return { records, missing };
}

/**
 * Sends, PUSH_AFTER_MS from now, the records the outbox then holds for `peer` on their own request
 * (none if a call took them meanwhile): the provider's copy is confirmed within that and a round
 * trip. A failure leaves them in the outbox for the next call or the tick.
 */
export function pushCountersigned(s: PushPort, outbox: Outbox, peer: string): Promise<void> {
  return outbox.pushSoon(peer, PUSH_AFTER_MS, () => push(s, outbox, peer));
}

/** What a push needs: the federation client, and for a provider that is not a peer, a forwarder (§12.5). */
export type PushPort = ForwardedPort;

/**
 * `records` to the provider `id`: as a `countersigned` message to an active peer, else sealed to
 * the provider's card through a forwarder (docs/protocol.md §12.5). Returns the ids it acknowledged.
 */
async function deliver(s: PushPort, id: string, records: unknown[]): Promise<string[]> {
  const peer = await activePeer(s.db, id);
  if (peer) return (await s.federation.call(peer, "countersigned", { type: "countersigned", records }, countersignedAck)).acked;
  return forwardCountersigned(s, id, { type: "countersigned", records }, AbortSignal.timeout(s.config.callTimeoutMs));
}

async function push(s: PushPort, outbox: Outbox, peer: string): Promise<void> {
  const { ids, records } = outbox.take(peer);
  if (records.length === 0) return;
  try {
    outbox.settle(peer, ids, await deliver(s, peer, records));
  } catch (err) {
    outbox.settle(peer, ids, []);
    log.info("ledger.push_deferred", { peer, error: String(err) });
  }
}

export interface DeliveryReport {
  pushed: number;
  acked: number;
  asked: number;
  confirmed: number;
  /** Records flagged this tick: their consumers answered COUNTERSIGN_MAX_ASKS times without them. */
  abandoned: number;
  failures: number;
}

async function activePeer(db: Database, id: string) {
  const peer = await getPeer(db, id);
  return peer?.state === "active" ? peer : undefined;
}

/** The reason a record the consumer never countersigned is flagged with. */
const ABANDONED = "consumer_never_countersigned";

/**
 * This process's outbox, pushed to each provider. Every instance of the node runs it on its tick,
 * leased or not: the outbox lives in the memory of the instance that made the call.
 */
export async function pushOutbox(s: CountersignPort & PushPort, outbox: Outbox): Promise<DeliveryReport> {
  const report: DeliveryReport = { pushed: 0, acked: 0, asked: 0, confirmed: 0, abandoned: 0, failures: 0 };
  for (const id of outbox.peers()) {
    const { ids, records } = outbox.take(id);
    if (records.length === 0) continue;
    try {
      const acked = await deliver(s, id, records);
      outbox.settle(id, ids, acked);
      report.pushed += records.length;
      report.acked += acked.length;
    } catch (err) {
      outbox.settle(id, ids, []);
      report.failures++;
      log.warn("ledger.push_failed", { peer: id, error: String(err) });
    }
  }
  return report;
}

/** Still pending after the consumer answered: this ask did not get the record. An ask that failed is not counted. Returns how many were given up. */
async function abandonUnanswered(s: CountersignPort, peer: string, answered: string[]): Promise<number> {
  const given = await s.ledger.countAsks(answered, s.config.countersignMaxAsks);
  for (const r of given) {
    await s.ledger.abandon(r, ABANDONED);
    log.warn("ledger.countersign_abandoned", { peer, record: r.id, asks: s.config.countersignMaxAsks });
  }
  return given.length;
}

/** The tick's part: push the outbox, and ask consumers about records still pending here. */
export async function deliverCountersigns(s: CountersignPort & PushPort, outbox: Outbox): Promise<DeliveryReport> {
  const report = await pushOutbox(s, outbox);
  // Not sooner: the consumer may be countersigning it right now.
  const cutoff = Date.now() - s.config.countersignAskAfterSeconds * 1000;
  const byPeer = new Map<string, string[]>();
  const redemptions = new Map<string, { id: string; record: LedgerRecord }[]>();
  for (const r of await s.ledger.pending()) {
    if (r.role !== "provider" || r.completedAt > cutoff) continue;
    const record = JSON.parse(r.record) as LedgerRecord;
    // The issuer holds no record of a redemption until it countersigns the receipt: it is sent the receipt again.
    if (isRedemptionRecord(record)) redemptions.set(r.peer, [...(redemptions.get(r.peer) ?? []), { id: r.id, record }]);
    else byPeer.set(r.peer, [...(byPeer.get(r.peer) ?? []), r.id]);
  }
  for (const [id, records] of redemptions) {
    const peer = await activePeer(s.db, id);
    if (!peer) continue;
    const answered: string[] = [];
    for (const r of records) if (await deliverReceipt(s, peer, r.record)) answered.push(r.id);
    report.asked += records.length;
    report.failures += records.length - answered.length;
    report.abandoned += await abandonUnanswered(s, id, answered);
  }
  for (const [id, ids] of byPeer) {
    const peer = await activePeer(s.db, id);
    if (!peer) continue;
    for (let i = 0; i < ids.length; i += MAX_ASKED) {
      const asked = ids.slice(i, i + MAX_ASKED);
      try {
        const reply = await s.federation.call(peer, "receipts", { type: "receipts", ids: asked }, receiptsReply);
        report.asked += asked.length;
        for (const r of reply.records) if ((await s.ledger.receive(r, id)).outcome === "confirmed") report.confirmed++;
        const missing = reply.missing.filter((m) => asked.includes(m));
        if (missing.length) await s.ledger.note(missing, "consumer_lacks_record");
        report.abandoned += await abandonUnanswered(s, id, asked);
      } catch (err) {
        report.failures++;
        log.warn("ledger.ask_failed", { peer: id, error: String(err) });
        break;
      }
    }
  }
  return report;
}
