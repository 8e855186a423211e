// This node as a round's coordinator (docs/protocol.md §16.2): it takes the participants' signed
// submissions, matches them into edges, solves, sends each participant its own proposal and
// gathers their signatures; only with every signature, before T, does it reveal the preimage.
// What it learns: the participants, the matched edges and their amounts in the round's unit at
// asOf, nothing of other units or of nodes outside the round.
import { bytesToHex } from "@noble/hashes/utils.js";
import type { z } from "zod";
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { ClearingError } from "../../protocol/clearing/errors.ts";
import { proposalResult, revealResult, type statusResult, type submitResult } from "../../protocol/clearing/messages.ts";
import { buildProposals, edgeKey, type Proposal } from "../../protocol/clearing/proposal.ts";
import { assembleReveals, type EdgeSignatures, type Reveal } from "../../protocol/clearing/reveal.ts";
import { roundProblem, type Round } from "../../protocol/clearing/round.ts";
import { solveClearing } from "../../protocol/clearing/solver.ts";
import { matchSubmissions, submissionProblem, verifySignedSubmission, type Matching, type SignedSubmission } from "../../protocol/clearing/submission.ts";
import { hashlockOf, verifySignedSetOff } from "../../protocol/ledger/set-off.ts";
import { log } from "../logging/log.ts";
import type { StoredRound } from "../../store/clearing.ts";
import { MAX_OPEN_ROUNDS, signedOf, verifiedRound } from "./participant.ts";
import type { ClearingPort, ClearingSend } from "./port.ts";

const PREIMAGE_CONTEXT = "clearing-preimage";

type Signatures = { debtor: string; creditor: string; sig: string }[];

export class Coordinator {
  constructor(
    private readonly p: ClearingPort,
    private readonly send: ClearingSend,
  ) {}

  /** A participant's submission: its round checked as an invite is, its signature, its obligations. */
  async submitted(from: string, roundInput: unknown, submissionInput: unknown): Promise<z.infer<typeof submitResult>> {
    if (!this.p.config.clearing.enabled) throw new ClearingError("clearing_off");
    const signed = await verifiedRound(this.p, roundInput);
    const r = signed.round;
    if (r.coordinator !== this.p.self) throw new ClearingError("not_coordinator", "this node does not coordinate the round");
    if (!r.participants.includes(from)) throw new ClearingError("not_participant", `${from} is not a participant of the round`);
    if (r.participants.length > this.p.config.clearing.maxParticipants) throw new ClearingError("bad_request", `more than ${this.p.config.clearing.maxParticipants} participants`);
    const problem = roundProblem(r);
    if (problem) throw new ClearingError(problem);
    if (this.p.nowMs() > r.submitBy + this.p.config.clockSkewSeconds * 1000) throw new ClearingError("round_closed", "past the round's submission deadline");
    const v = await verifySignedSubmission(this.p.keys, submissionInput);
    if (v.verdict === "malformed") throw new ClearingError("bad_request", "the submission does not parse");
    if (v.verdict !== "valid") throw new ClearingError(v.verdict);
    const s = v.signed.submission;
    if (s.node !== from) throw new ClearingError("not_participant", "a submission signed by another node than its sender");
    const wrong = submissionProblem(r, s);
    if (wrong) throw new ClearingError(wrong);

    const held = await this.p.repository.get(r.id);
    if (held && held.coordinator !== r.coordinator) throw new ClearingError("wrong_coordinator", "this round is held here under another coordinator");
    if (!held) {
      if ((await this.p.repository.countOpen()) >= MAX_OPEN_ROUNDS) throw new ClearingError("too_many_rounds");
      await this.p.repository.add({ id: r.id, unit: r.unit, descriptor: canonicalJson(signed), coordinator: r.coordinator, submitBy: r.submitBy, commitBy: r.commitBy }, { coordination: "collecting" });
    }
    await this.p.repository.moveCoordination(r.id, [null], "collecting");
    const row = await this.p.repository.get(r.id);
    if (row?.coordination !== "collecting") throw new ClearingError("round_closed", "the round's submissions are closed");
    const body = canonicalJson(v.signed);
    if (!(await this.p.repository.putPart(r.id, from, "submission", body)) && (await this.p.repository.getPart(r.id, from, "submission")) !== body) {
      throw new ClearingError("conflicting_submission");
    }
    if ((await this.p.repository.parts(r.id, "submission")).length === r.participants.length) this.p.defer(this.propose(r.id));
    return { kind: "received" };
  }

  /** The proposals for a matching: the solver's optimum over the matched edges. Tests replace it to play a dishonest coordinator. */
  proposalsFor(r: Round, m: Matching, hashlock: string): Map<string, Proposal> {
    return buildProposals(r, m, solveClearing(m.edges.map((e) => ({ debtor: e.debtor, creditor: e.creditor, capacity: e.capacity }))), hashlock);
  }

  /** Solve and propose, once (whoever moves the round from collecting does it); then reveal with every signature. */
  async propose(id: string): Promise<void> {
    if (!(await this.p.repository.moveCoordination(id, ["collecting"], "proposed"))) return;
    const row = (await this.p.repository.get(id))!;
    const r = signedOf(row).round;
    const submissions = (await this.p.repository.parts(id, "submission")).map((x) => (JSON.parse(x.body) as SignedSubmission).submission);
    const preimage = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
    const proposals = this.proposalsFor(r, matchSubmissions(r, submissions), hashlockOf(preimage));
    await this.p.repository.moveCoordination(id, ["proposed"], "proposed", { preimage: await this.p.secrets.seal(preimage, `${PREIMAGE_CONTEXT} ${id}`) });
    for (const [node, proposal] of proposals) await this.p.repository.putPart(id, node, "proposal", canonicalJson(proposal));

    const refusals: string[] = [];
    await Promise.all(
      [...proposals].map(async ([node, proposal]) => {
        try {
          const answer = await this.send(node, { kind: "proposal", round: id, proposal }, proposalResult);
          await this.p.repository.putPart(id, node, "signatures", canonicalJson(answer.sigs));
        } catch (err) {
          refusals.push(`${node}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
    if (r.dryRun) {
      await this.p.repository.moveCoordination(id, ["proposed"], "previewed", { reason: refusals.join("; ") || null });
      return;
    }
    if (refusals.length > 0) {
      log.warn("clearing.round_failed", { round: id, refusals: refusals.length });
      await this.p.repository.moveCoordination(id, ["proposed"], "failed", { reason: refusals.join("; ").slice(0, 2000) });
      return;
    }
    const reveals = await this.reveals(r, proposals, preimage);
    if (!reveals) {
      await this.p.repository.moveCoordination(id, ["proposed"], "failed", { reason: "a signature is missing or does not verify" });
      return;
    }
    if (this.p.nowMs() > r.commitBy || !(await this.p.repository.moveCoordination(id, ["proposed"], "revealing"))) {
      await this.p.repository.moveCoordination(id, ["proposed"], "lapsed");
      return;
    }
    await this.reveal(r, reveals);
  }

  /** Each participant's reveal from the stored signatures, every set-off verified; undefined when one is missing. */
  async reveals(r: Round, proposals: ReadonlyMap<string, Proposal>, preimage: string): Promise<Map<string, Reveal> | undefined> {
    const sigs = new Map<string, EdgeSignatures>();
    for (const { node, body } of await this.p.repository.parts(r.id, "signatures")) {
      const mine = new Set((proposals.get(node)?.edges ?? []).map(edgeKey));
      for (const s of JSON.parse(body) as Signatures) {
        const key = edgeKey(s);
        if (!mine.has(key)) continue;
        const held = sigs.get(key) ?? {};
        sigs.set(key, s.debtor === node ? { ...held, debtor: s.sig } : s.creditor === node ? { ...held, creditor: s.sig } : held);
      }
    }
    const out = assembleReveals(r, proposals, sigs, preimage);
    if (!("reveals" in out)) return undefined;
    for (const reveal of out.reveals.values()) for (const s of reveal.setOffs) if ((await verifySignedSetOff(this.p.keys, s)) !== "valid") return undefined;
    return out.reveals;
  }

  /** Sends each participant its reveal; one that misses it asks with `status`, or gets the records by reconciliation. */
  async reveal(r: Round, reveals: ReadonlyMap<string, Reveal>): Promise<void> {
    await Promise.all(
      [...reveals].map(async ([node, reveal]) => {
        try {
          await this.send(node, { kind: "reveal", round: r.id, preimage: reveal.preimage, setOffs: reveal.setOffs }, revealResult);
        } catch (err) {
          log.warn("clearing.reveal_failed", { round: r.id, node, error: String(err) });
        }
      }),
    );
    await this.p.repository.moveCoordination(r.id, ["revealing"], "revealed");
  }

  /** A participant asks where the round stands; once revealed, it gets its own reveal. */
  async status(from: string, id: string): Promise<z.infer<typeof statusResult>> {
    const row = await this.p.repository.get(id);
    if (!row?.coordination) throw new ClearingError("unknown_round");
    const r = signedOf(row).round;
    if (!r.participants.includes(from)) throw new ClearingError("not_participant", `${from} is not a participant of the round`);
    // After T nothing more is revealed: only a reveal that was under way before it (revealed) is answered.
    const revealing = row.coordination === "revealed" || (row.coordination === "revealing" && this.p.nowMs() <= r.commitBy);
    if (revealing && row.preimage) {
      const reveal = (await this.revealsOf(row))?.get(from);
      if (reveal) return { kind: "status", state: "revealed", reveal: { preimage: reveal.preimage, setOffs: reveal.setOffs } };
    }
    const state = row.coordination === "collecting" ? "collecting" : row.coordination === "failed" ? "refused" : row.coordination === "revealing" ? "signed" : row.coordination;
    return { kind: "status", state };
  }

  async revealsOf(row: StoredRound): Promise<Map<string, Reveal> | undefined> {
    const r = signedOf(row).round;
    const proposals = new Map((await this.p.repository.parts(row.id, "proposal")).map((x) => [x.node, JSON.parse(x.body) as Proposal]));
    const preimage = await this.p.secrets.open(row.preimage!, `${PREIMAGE_CONTEXT} ${row.id}`);
    return this.reveals(r, proposals, preimage);
  }

  /** On the tick: propose at submitBy with what came in, finish before T a reveal a process left, lapse what is past T. */
  async tick(row: StoredRound): Promise<void> {
    const r = signedOf(row).round;
    const now = this.p.nowMs();
    if (row.coordination === "collecting" && now > r.submitBy) return this.propose(row.id);
    // A process that stopped between deciding to reveal and revealing: another finishes it before T, never after.
    if (row.coordination === "revealing" && now <= r.commitBy) {
      const reveals = await this.revealsOf(row);
      if (reveals) return this.reveal(r, reveals);
    }
    if (now > r.commitBy) await this.p.repository.moveCoordination(row.id, ["proposed", "collecting", "revealing"], "lapsed");
  }
}
