// This node as a participant of a clearing round (docs/protocol.md §16.2): it checks an invite,
// submits its obligations to the coordinator, checks the proposal against its own ledger and signs
// the set-offs of its edges, and stores them when the preimage is revealed. Every refusal of a
// message that is not the round's own (a forged invite, a proposal from another node than the
// coordinator) changes nothing.
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { ClearingError } from "../../protocol/clearing/errors.ts";
import { proposalResult, statusResult, submitResult, type inviteResult, type revealResult } from "../../protocol/clearing/messages.ts";
import { checkProposal, setOffOf, type Proposal } from "../../protocol/clearing/proposal.ts";
import { roundProblem, verifySignedRound, type Round, type SignedRound } from "../../protocol/clearing/round.ts";
import { signSubmission, type Obligation } from "../../protocol/clearing/submission.ts";
import { hashlockOf, signSetOff, verifySignedSetOff, type SetOffRecord } from "../../protocol/ledger/set-off.ts";
import { PROTOCOL } from "../../protocol/ledger/record.ts";
import type { z } from "zod";
import { log } from "../logging/log.ts";
import type { StoredRound } from "../../store/clearing.ts";
import type { ClearingPort, ClearingSend } from "./port.ts";

/** Open rounds, in all units and roles, a node holds at once: invites beyond it are refused. */
export const MAX_OPEN_ROUNDS = 16;

export const signedOf = (row: StoredRound) => JSON.parse(row.descriptor) as SignedRound;

/** A signed round that verifies by its initiator, or the refusal. */
export async function verifiedRound(p: ClearingPort, input: unknown): Promise<SignedRound> {
  const v = await verifySignedRound(p.keys, input);
  if (v.verdict === "malformed") throw new ClearingError("bad_request", "the round descriptor does not parse");
  if (v.verdict === "unknown_node") throw new ClearingError("unknown_node", "this node holds no card of the round's initiator");
  if (v.verdict !== "valid") throw new ClearingError("bad_round_signature");
  return v.signed;
}

export class Participant {
  constructor(
    private readonly p: ClearingPort,
    private readonly send: ClearingSend,
  ) {}

  /** This node's obligations at the round's cut-off with each other participant. */
  async obligations(r: Round): Promise<Obligation[]> {
    const out: Obligation[] = [];
    for (const other of r.participants) {
      if (other === this.p.self) continue;
      const o = await this.p.obligationWith(other, r.unit, r.asOf);
      if (o && o.amount > 0) out.push({ debtor: o.debtor, creditor: o.creditor, unit: o.unit, amount: o.amount, asOf: o.asOf, digest: o.digest });
    }
    return out;
  }

  async invited(from: string, input: unknown): Promise<z.infer<typeof inviteResult>> {
    if (!this.p.config.clearing.enabled) throw new ClearingError("clearing_off");
    const signed = await verifiedRound(this.p, input);
    const r = signed.round;
    if (from !== r.initiator) throw new ClearingError("not_initiator", `${from} did not start this round`);
    if (!r.participants.includes(this.p.self)) throw new ClearingError("not_participant", "this node is not a participant of the round");
    if (r.participants.length > this.p.config.clearing.maxParticipants) throw new ClearingError("bad_request", `more than ${this.p.config.clearing.maxParticipants} participants`);
    const held = await this.p.repository.get(r.id);
    // The id leaves the coordinator out: one id under two coordinators is an initiator's equivocation.
    if (held && held.coordinator !== r.coordinator) throw new ClearingError("wrong_coordinator", "this round is held here under another coordinator");
    if (held?.state) return { kind: "accepted" };
    const problem = roundProblem(r, await this.p.repository.lastCoordinator(r.unit, r.id));
    if (problem) throw new ClearingError(problem);
    if (this.p.nowMs() > r.submitBy) throw new ClearingError("round_closed", "past the round's submission deadline");
    if ((await this.p.repository.openInUnit(r.unit, r.id)).length > 0) throw new ClearingError("round_busy");
    // A set-off counts in obligations from its T (its completedAt): a cut-off before that would clear the same debt twice.
    const revealedAt = await this.p.repository.lastRevealedCommit(r.unit);
    if (revealedAt !== undefined && r.asOf < revealedAt) throw new ClearingError("too_soon", `the cut-off must be at or after ${new Date(revealedAt).toISOString()}`);
    if (!held && (await this.p.repository.countOpen()) >= MAX_OPEN_ROUNDS) throw new ClearingError("too_many_rounds");
    const taken = held
      ? await this.p.repository.moveState(r.id, [null], "invited")
      : await this.p.repository.add({ id: r.id, unit: r.unit, descriptor: canonicalJson(signed), coordinator: r.coordinator, submitBy: r.submitBy, commitBy: r.commitBy }, { state: "invited" });
    if (taken) this.p.defer(this.submit(r.id));
    return { kind: "accepted" };
  }

  /** Sends this node's signed submission to the coordinator (again on the tick until it is taken). */
  async submit(id: string): Promise<void> {
    const row = await this.p.repository.get(id);
    if (row?.state !== "invited") return;
    const signed = signedOf(row);
    const r = signed.round;
    if (this.p.nowMs() > r.submitBy) return;
    const submission = await signSubmission(this.p.signer, { v: PROTOCOL, type: "clearing-submission", round: r.id, node: this.p.self, obligations: await this.obligations(r), limit: this.p.config.clearing.limit });
    try {
      await this.send(r.coordinator, { kind: "submit", round: signed, submission }, submitResult);
    } catch (err) {
      log.warn("clearing.submit_failed", { round: id, coordinator: r.coordinator, error: String(err) });
      return;
    }
    await this.p.repository.moveState(id, ["invited"], "submitted");
  }

  /** The coordinator's proposal: checked against this node's own ledger, then its set-offs signed. */
  async proposed(from: string, id: string, proposal: Proposal): Promise<z.infer<typeof proposalResult>> {
    const row = await this.p.repository.get(id);
    if (!row?.state) throw new ClearingError("unknown_round");
    const r = signedOf(row).round;
    if (from !== r.coordinator) throw new ClearingError("not_coordinator", `${from} does not coordinate this round`);
    const again = row.state === "signed" && row.proposal === canonicalJson(proposal);
    if (row.state !== "invited" && row.state !== "submitted" && !again) throw new ClearingError("round_closed", `the round is ${row.state} here`);
    if (this.p.nowMs() > r.commitBy) throw new ClearingError("round_closed", "past the round's commit deadline");
    const verdict = checkProposal(this.p.self, r, proposal, { obligations: await this.obligations(r), limit: this.p.config.clearing.limit });
    if (!verdict.ok) {
      await this.p.repository.moveState(id, ["invited", "submitted"], "refused", { proposal: canonicalJson(proposal), reason: verdict.reason });
      log.warn("clearing.proposal_refused", { round: id, reason: verdict.reason, detail: verdict.detail });
      throw new ClearingError(verdict.reason, verdict.detail);
    }
    if (r.dryRun) {
      await this.p.repository.moveState(id, ["invited", "submitted"], "previewed", { proposal: canonicalJson(proposal) });
      return { kind: "signed", sigs: [] };
    }
    const sigs = [];
    for (const e of proposal.edges) sigs.push({ debtor: e.debtor, creditor: e.creditor, sig: await signSetOff(this.p.signer, setOffOf(r, proposal, e)) });
    if (!again && !(await this.p.repository.moveState(id, ["invited", "submitted"], "signed", { proposal: canonicalJson(proposal) }))) {
      throw new ClearingError("round_closed", "the round moved on here");
    }
    return { kind: "signed", sigs };
  }

  /** The preimage and the signed set-offs of this node's edges: each verified, then all stored. */
  async revealed(from: string, id: string, preimage: string, setOffs: readonly unknown[]): Promise<z.infer<typeof revealResult>> {
    const row = await this.p.repository.get(id);
    if (!row?.state) throw new ClearingError("unknown_round");
    const r = signedOf(row).round;
    if (from !== r.coordinator) throw new ClearingError("not_coordinator", `${from} does not coordinate this round`);
    if (row.state === "revealed") return { kind: "stored", stored: row.stored };
    // A lapse here is this node's clock: the preimage proves every signature was in before T.
    if ((row.state !== "signed" && row.state !== "lapsed") || !row.proposal) throw new ClearingError("round_closed", `the round is ${row.state} here`);
    const proposal = JSON.parse(row.proposal) as Proposal;
    if (hashlockOf(preimage) !== proposal.hashlock) throw new ClearingError("wrong_preimage");
    const records: SetOffRecord[] = [];
    for (const e of proposal.edges) {
      const wanted = canonicalJson(setOffOf(r, proposal, e));
      const found = setOffs.find((s) => typeof s === "object" && s !== null && canonicalJson((s as { setOff?: unknown }).setOff) === wanted);
      if (!found) throw new ClearingError("bad_set_off", `no set-off for ${e.debtor} → ${e.creditor} as proposed`);
      const verdict = await verifySignedSetOff(this.p.keys, found);
      if (verdict !== "valid") throw new ClearingError("bad_set_off", `the set-off for ${e.debtor} → ${e.creditor}: ${verdict}`);
      const { setOff, sigs } = found as { setOff: SetOffRecord["setOff"]; sigs: SetOffRecord["sigs"] };
      if (setOff.amount > 0) records.push({ setOff, sigs, preimage });
    }
    let stored = 0;
    for (const record of records) if (await this.p.storeSetOff(record)) stored++;
    await this.p.repository.moveState(id, ["signed", "lapsed"], "revealed", { stored });
    return { kind: "stored", stored };
  }

  /** On the tick: submit what is due, ask the coordinator where a round stands (its reveal, or its end), lapse what is past T. */
  async tick(row: StoredRound): Promise<void> {
    const r = signedOf(row).round;
    const now = this.p.nowMs();
    if (row.state === "invited" && now <= r.submitBy) return this.submit(row.id);
    if (row.state === "signed" || (row.state === "submitted" && now > r.submitBy)) {
      try {
        const status = await this.send(r.coordinator, { kind: "status", round: row.id }, statusResult);
        if (status.reveal && row.state === "signed") {
          await this.revealed(r.coordinator, row.id, status.reveal.preimage, status.reveal.setOffs);
          return;
        }
        // The coordinator gave the round up (a participant refused, a signature is missing): no need to wait for T.
        if (status.state === "refused" || status.state === "lapsed") {
          await this.p.repository.moveState(row.id, ["submitted", "signed"], "lapsed", { reason: `the coordinator's round is ${status.state}` });
          return;
        }
      } catch (err) {
        log.warn("clearing.status_failed", { round: row.id, coordinator: r.coordinator, error: String(err) });
      }
    }
    if (now > r.commitBy + this.p.config.clockSkewSeconds * 1000) await this.p.repository.moveState(row.id, ["invited", "submitted", "signed"], "lapsed");
  }
}
