// A node's clearing rounds (docs/protocol.md §16): it starts one on demand or on its schedule,
// takes part as participant (participant.ts) and coordinates those its id selects it for
// (coordinator.ts). Everything is in the store, so any process of the node continues a round;
// deadlines are checked when a message arrives and on the tick, never by a timer.
import { ClearingError } from "../../protocol/clearing/errors.ts";
import { inviteResult, type ClearingRequest } from "../../protocol/clearing/messages.ts";
import type { Proposal } from "../../protocol/clearing/proposal.ts";
import { buildRound, signRound, type Round } from "../../protocol/clearing/round.ts";
import { log } from "../logging/log.ts";
import { retryWait } from "../schedules/schedule.ts";
import type { StoredRound } from "../../store/clearing.ts";
import { Coordinator } from "./coordinator.ts";
import { Participant, signedOf } from "./participant.ts";
import type { ClearingPort, ClearingSend } from "./port.ts";

const DAY_MS = 86_400_000;
// Periods since this node's last round, not calendar ones: nodes that started at different times
// keep starting their rounds at different times, rather than all inviting each other at midnight.
const SCHEDULE_MS = { daily: DAY_MS, weekly: 7 * DAY_MS, monthly: 30 * DAY_MS } as const;
/** The job in `schedule_runs` that holds, per unit, when this node last started a round. */
export const CLEARING_JOB = "clearing-round";
/** Rounds the operator's listing shows. */
const LISTED = 100;

export interface StartedRound {
  round: Round;
  /** Each other participant's answer to its invite: accepted, or the refusal's code. */
  invites: { node: string; answer: string }[];
}

/** A round as the operator sees it: this node's own part only. */
export interface RoundView {
  id: string;
  unit: string;
  initiator: string;
  coordinator: string;
  participants: string[];
  dryRun: boolean;
  asOf: number;
  submitBy: number;
  commitBy: number;
  state: string | null;
  coordination: string | null;
  reason: string | null;
  stored: number;
  /** This node's edges as proposed to it (show only). */
  proposal?: Proposal;
}

export class ClearingRounds {
  readonly participant: Participant;
  readonly coordinator: Coordinator;

  constructor(
    private readonly p: ClearingPort,
    remote: ClearingSend,
  ) {
    // A message to this node itself is handled here, as if it had come in.
    const send: ClearingSend = (node, request, result) => (node === p.self ? this.receive(p.self, request).then((r) => result.parse(r)) : remote(node, request, result));
    this.participant = new Participant(p, send);
    this.coordinator = new Coordinator(p, send);
    this.send = send;
  }

  private readonly send: ClearingSend;

  /** One clearing message from `from` (authenticated by its envelope), or a ClearingError. */
  receive(from: string, request: ClearingRequest): Promise<unknown> {
    switch (request.kind) {
      case "invite":
        return this.participant.invited(from, request.round);
      case "submit":
        return this.coordinator.submitted(from, request.round, request.submission);
      case "proposal":
        return this.participant.proposed(from, request.round, request.proposal);
      case "reveal":
        return this.participant.revealed(from, request.round, request.preimage, request.setOffs);
      case "status":
        return this.coordinator.status(from, request.round);
    }
  }

  /** The descriptor of a new round; tests replace it to pick the coordinator. */
  async describe(unit: string, participants: readonly string[], dryRun: boolean): Promise<Round> {
    const now = this.p.nowMs();
    const submitBy = now + this.p.config.clearing.submitSeconds * 1000;
    const draft = { initiator: this.p.self, unit, participants: [...participants], asOf: now, submitBy, commitBy: submitBy + this.p.config.clearing.commitSeconds * 1000, dryRun };
    return buildRound(draft, await this.p.repository.lastCoordinator(unit, ""));
  }

  /** Starts a round of `unit` with `participants` (default: this node and its active peers that offer clearing). */
  async initiate(unit: string, o: { dryRun: boolean; participants?: readonly string[] }): Promise<StartedRound> {
    if (!this.p.config.clearing.enabled) throw new ClearingError("clearing_off");
    const max = this.p.config.clearing.maxParticipants;
    const others = (o.participants ?? (await this.p.clearingPeers())).filter((n) => n !== this.p.self);
    const members = [this.p.self, ...new Set(others)].slice(0, max);
    if (members.length < 2) throw new ClearingError("bad_request", "a round needs another participant: no active peer offers clearing");
    const now = this.p.nowMs();
    const round = await this.describe(unit, members, o.dryRun);
    const signed = await signRound(this.p.signer, round);
    // This node's own invite first: a busy unit here stops the round before anyone else hears of it.
    await this.participant.invited(this.p.self, signed);
    // A round started, by the schedule or the operator, is the period's; a preview is not.
    if (!o.dryRun) await this.p.scheduleRuns.succeeded(unit, now);
    const invites = await Promise.all(
      round.participants
        .filter((n) => n !== this.p.self)
        .map(async (node) => {
          try {
            return { node, answer: (await this.send(node, { kind: "invite", round: signed }, inviteResult)).kind };
          } catch (err) {
            return { node, answer: (err as { code?: string }).code ?? "unreachable" };
          }
        }),
    );
    return { round, invites };
  }

  async list(): Promise<RoundView[]> {
    return (await this.p.repository.list(LISTED)).map((row) => view(row));
  }

  async show(id: string): Promise<RoundView | undefined> {
    const row = await this.p.repository.get(id);
    return row && view(row, true);
  }

  /** The tick: every open round's due step, the schedule, pruning. */
  async tick(): Promise<void> {
    for (const row of await this.p.repository.open()) {
      try {
        if (row.coordination) await this.coordinator.tick(row);
        if (row.state) await this.participant.tick((await this.p.repository.get(row.id)) ?? row);
      } catch (err) {
        log.warn("clearing.tick_failed", { round: row.id, error: String(err) });
      }
    }
    await this.scheduled();
    await this.p.repository.prune();
  }

  /**
   * CLEARING_SCHEDULE: a round per unit this node holds balances in, once a period after the last
   * round it started of that unit. One that could not start (no peer offers clearing, the unit is
   * busy here) is tried again after a wait that doubles with each failure.
   */
  private async scheduled(): Promise<void> {
    const { enabled, schedule } = this.p.config.clearing;
    if (!enabled || schedule === "off") return;
    const units = await this.p.units();
    const runs = await this.p.scheduleRuns.of(units);
    const now = this.p.nowMs();
    for (const unit of units) {
      const run = runs.get(unit);
      if (run?.lastRunAt != null && now - run.lastRunAt < SCHEDULE_MS[schedule]) continue;
      if (run && run.failures > 0 && now < run.lastAttemptAt + retryWait(run.failures)) continue;
      try {
        await this.initiate(unit, { dryRun: false });
      } catch (err) {
        await this.p.scheduleRuns.failed(unit, now, String(err));
        log.info("clearing.scheduled_skipped", { unit, error: String(err) });
      }
    }
  }
}

function view(row: StoredRound, full = false): RoundView {
  const r = signedOf(row).round;
  const out: RoundView = {
    id: row.id,
    unit: r.unit,
    initiator: r.initiator,
    coordinator: r.coordinator,
    participants: r.participants,
    dryRun: r.dryRun,
    asOf: r.asOf,
    submitBy: r.submitBy,
    commitBy: r.commitBy,
    state: row.state,
    coordination: row.coordination,
    reason: row.reason,
    stored: row.stored,
  };
  if (full && row.proposal) out.proposal = JSON.parse(row.proposal) as Proposal;
  return out;
}
