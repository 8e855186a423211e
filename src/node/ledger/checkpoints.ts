// This node's checkpoints (protocol §8.8): it covers the records it signed with each peer under
// the checkpoint suite by a composite-signed Merkle root, every CHECKPOINT_EVERY records or once
// the oldest uncovered is CHECKPOINT_SECONDS old, and hands each to the peer; and it takes the
// peer's, rebuilding the root from its own copies. A record both parties' checkpoints cover is
// post-quantum final, and its proof (record, checkpoints, paths) convinces a third party alone.
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { CHECKPOINT_EVERY, checkpointHash, pathOf, PROTOCOL_CHECKPOINT, recordLeaf, rootOf, signCheckpoint, verifyCheckpoint, type SignedCheckpoint } from "../../protocol/ledger/checkpoint.ts";
import type { RecordProof } from "../../protocol/ledger/proof.ts";
import { PROTOCOL, type LedgerRecord } from "../../protocol/ledger/record.ts";
import type { LedgerSigner, LedgerVerifier } from "../../protocol/ledger/signing.ts";
import { suiteOf } from "../../protocol/ledger/suite.ts";
import type { LedgerCheckpointReply, LedgerCheckpointRequest } from "../../protocol/messages/ledger-checkpoint.ts";
import type { CheckpointRepository, StoredCheckpoint } from "../../store/ledger-checkpoints.ts";
import { log } from "../logging/log.ts";
import type { Ledger, StoredRecord } from "./ledger.ts";

/** What a record proves so far (protocol §8.5). */
export type Stage = "pending" | "confirmed" | "post_quantum_final" | "disputed";

export interface CheckpointOptions {
  self: string;
  ledger: Ledger;
  verifier: LedgerVerifier;
  repository: CheckpointRepository;
  signer: () => Promise<LedgerSigner>;
  /** Peers that agreed on the feature, now: checkpoints go to these only. */
  agreed: (peer: string) => Promise<boolean>;
  send: (peer: string, request: LedgerCheckpointRequest) => Promise<LedgerCheckpointReply>;
  checkpointSeconds: number;
  now: () => number;
}

export interface CheckpointReport {
  made: number;
  delivered: number;
  failures: number;
}

export class LedgerCheckpoints {
  readonly #o: CheckpointOptions;
  /** Records stored per peer since this isolate last looked: a cheap trigger, the tick is the backstop. */
  readonly #sinceLook = new Map<string, number>();

  constructor(o: CheckpointOptions) {
    this.#o = o;
  }

  /** After this node signed a record with `peer`: checkpoints once CHECKPOINT_EVERY are waiting. */
  async recorded(peer: string): Promise<void> {
    const n = (this.#sinceLook.get(peer) ?? 0) + 1;
    if (n < CHECKPOINT_EVERY) {
      this.#sinceLook.set(peer, n);
      return;
    }
    this.#sinceLook.delete(peer);
    await this.#cover(peer, false).catch((err: unknown) => log.warn("ledger.checkpoint_failed", { peer, error: String(err) }));
  }

  /** The tick's part: resend what peers did not answer, and cover what waited CHECKPOINT_SECONDS. */
  async tick(): Promise<CheckpointReport> {
    const report: CheckpointReport = { made: 0, delivered: 0, failures: 0 };
    for (const c of await this.#o.repository.undelivered()) {
      if (!(await this.#o.agreed(c.peer))) continue;
      if (await this.#deliver(c)) report.delivered++;
      else report.failures++;
    }
    for (const peer of await this.#o.repository.peersWithUncovered()) {
      if (!(await this.#o.agreed(peer))) continue;
      try {
        const r = await this.#cover(peer, true);
        report.made += r.made;
        report.delivered += r.delivered;
        report.failures += r.made - r.delivered;
      } catch (err) {
        report.failures++;
        log.warn("ledger.checkpoint_failed", { peer, error: String(err) });
      }
    }
    return report;
  }

  /** Makes and sends checkpoints over what is uncovered with `peer`: full ones, then (on the tick) a last one that waited long enough. */
  async #cover(peer: string, onTick: boolean): Promise<{ made: number; delivered: number }> {
    let made = 0;
    let delivered = 0;
    for (;;) {
      const batch = await this.#o.repository.uncovered(peer, CHECKPOINT_EVERY);
      if (batch.length === 0) break;
      const due = batch.length === CHECKPOINT_EVERY || (onTick && batch[0]!.completedAt <= (this.#o.now() - this.#o.checkpointSeconds) * 1000);
      if (!due) break;
      const c = await this.#make(peer, batch);
      // Another isolate took this seq: it covers these records, or the next look will.
      if (!c) break;
      made++;
      if (await this.#deliver(c)) delivered++;
      if (batch.length < CHECKPOINT_EVERY) break;
    }
    return { made, delivered };
  }

  async #make(peer: string, batch: { id: string; record: string }[]): Promise<StoredCheckpoint | undefined> {
    const { self, repository } = this.#o;
    const last = await repository.latest(self, peer);
    const leaves = batch.map((b) => recordLeaf(JSON.parse(b.record) as LedgerRecord));
    const signed = await signCheckpoint(await this.#o.signer(), {
      v: PROTOCOL,
      type: PROTOCOL_CHECKPOINT,
      signer: self,
      peer,
      seq: last ? last.seq + 1 : 0,
      prev: last ? last.hash : null,
      size: leaves.length,
      root: rootOf(leaves),
      at: this.#o.now(),
    });
    const row = { signer: self, peer, seq: signed.checkpoint.seq, hash: await checkpointHash(signed), checkpoint: canonicalJson(signed), ids: batch.map((b) => b.id), status: "own" as const };
    return (await repository.insert(row)) ? { ...row, delivered: false } : undefined;
  }

  async #deliver(c: StoredCheckpoint): Promise<boolean> {
    try {
      const reply = await this.#o.send(c.peer, { type: "ledger-checkpoint", checkpoint: JSON.parse(c.checkpoint), ids: c.ids });
      if (reply.verdict !== "covered") log.warn("ledger.checkpoint_not_covered", { peer: c.peer, seq: c.seq, verdict: reply.verdict, reason: reply.reason ?? null, missing: reply.missing.length });
      // Any answer is final for this checkpoint: a peer missing records gets them by reconciliation.
      await this.#o.repository.markDelivered(c.peer, c.seq);
      return true;
    } catch (err) {
      log.warn("ledger.checkpoint_unsent", { peer: c.peer, seq: c.seq, error: String(err) });
      return false;
    }
  }

  /** A peer's checkpoint: verified, checked against this node's copies, stored unless refused. */
  async receive(from: string, request: LedgerCheckpointRequest): Promise<LedgerCheckpointReply> {
    const refuse = (reason: string): LedgerCheckpointReply => ({ verdict: "refused", reason, missing: [] });
    const checked = await verifyCheckpoint(this.#o.verifier, request.checkpoint);
    if (checked.verdict !== "valid") return refuse(checked.verdict);
    const signed = checked.checkpoint;
    const c = signed.checkpoint;
    // Only the sender's own checkpoints, about records with this node.
    if (c.signer !== from || c.peer !== this.#o.self) return refuse("not_a_party");
    if (c.size !== request.ids.length) return refuse("size_mismatch");
    const hash = await checkpointHash(signed);
    const { repository } = this.#o;
    const held = await repository.get(from, c.peer, c.seq);
    const previous = c.seq > 0 ? await repository.get(from, c.peer, c.seq - 1) : undefined;
    if ((held && held.hash !== hash) || (previous && previous.hash !== c.prev)) {
      // Two checkpoints of one seq, or one that does not follow the held chain: both signed, kept as evidence.
      await this.#o.ledger.flag(request.ids[0]!, from, "checkpoint_fork", signed);
      return refuse("fork");
    }
    if (held) return { verdict: held.status === "covered" ? "covered" : held.status === "missing" ? "missing" : "root_mismatch", missing: held.status === "missing" ? await this.#missing(from, held.ids) : [] };
    const records = await this.#records(from, request.ids);
    const missing = request.ids.filter((_, i) => records[i] === undefined);
    const row = { signer: from, peer: c.peer, seq: c.seq, hash, checkpoint: canonicalJson(signed), ids: request.ids };
    if (missing.length) {
      await repository.insert({ ...row, status: "missing" });
      return { verdict: "missing", missing };
    }
    const root = rootOf(records.map((r) => recordLeaf(r!)));
    if (root !== c.root) {
      await repository.insert({ ...row, status: "root_mismatch" });
      await this.#o.ledger.flag(request.ids[0]!, from, "checkpoint_root_mismatch", signed);
      return { verdict: "root_mismatch", missing: [] };
    }
    await repository.insert({ ...row, status: "covered" });
    return { verdict: "covered", missing: [] };
  }

  /** This node's copies of the records, with `peer` as the other party; undefined where it holds none. */
  async #records(peer: string, ids: string[]): Promise<(LedgerRecord | undefined)[]> {
    const held = await this.#o.ledger.getMany(ids);
    return ids.map((id) => {
      const r = held.get(id);
      // Checkpoints cover calls only (set-offs and settlements are composite-signed, §8.8).
      return r && r.peer === peer && r.kind === "call" ? (JSON.parse(r.record) as LedgerRecord) : undefined;
    });
  }

  async #missing(peer: string, ids: string[]): Promise<string[]> {
    const records = await this.#records(peer, ids);
    return ids.filter((_, i) => records[i] === undefined);
  }

  /** The stage of each held record: post-quantum final once both parties' checkpoints cover it (composite records are at once). */
  async stages(held: StoredRecord[]): Promise<Map<string, Stage>> {
    const covered = await this.#o.repository.coverage(held.filter((r) => r.status === "confirmed").map((r) => r.id));
    const out = new Map<string, Stage>();
    for (const r of held) {
      const composite = r.kind !== "call" || suiteOf((JSON.parse(r.record) as LedgerRecord).intent) === "composite";
      out.set(r.id, r.status === "confirmed" && (composite || covered.get(r.id) === 2) ? "post_quantum_final" : r.status);
    }
    return out;
  }

  /** What a third party needs to check record `id` (proof.ts), or undefined when this node holds no such record. */
  async proof(id: string): Promise<{ proof: RecordProof; stage: Stage } | undefined> {
    const held = await this.#o.ledger.get(id);
    if (!held || held.kind !== "call") return undefined;
    const record = JSON.parse(held.record) as LedgerRecord;
    const checkpoints: RecordProof["checkpoints"] = [];
    for (const { checkpoint, leaf } of await this.#o.repository.covering(id)) {
      const records = await this.#records(held.peer, checkpoint.ids);
      // Every record a stored leaf names was held when the root was built, and records are never deleted.
      if (records.some((r) => r === undefined)) continue;
      checkpoints.push({ checkpoint: JSON.parse(checkpoint.checkpoint) as SignedCheckpoint, index: leaf, path: pathOf(records.map((r) => recordLeaf(r!)), leaf) });
    }
    const stage = (await this.stages([held])).get(id)!;
    return { proof: { record, checkpoints }, stage };
  }
}
