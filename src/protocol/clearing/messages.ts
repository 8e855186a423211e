// POST /federation/v1/clearing (protocol §16.2): one endpoint, one body `{kind, …}` per step of
// a round, each validated here on both sides; the signed parts are left to their own verifiers
// (round.ts, submission.ts, set-off.ts) so that a bad one gets its own code.
import { z } from "zod";
import { MAX_PARTICIPANTS, hex64, signature } from "./round.ts";
import { proposal } from "./proposal.ts";

const sigs = z.array(z.strictObject({ debtor: z.string().max(128), creditor: z.string().max(128), sig: signature })).max(MAX_PARTICIPANTS - 1);

export const clearingRequest = z.discriminatedUnion("kind", [
  /** Initiator → participant: the signed round. */
  z.strictObject({ kind: z.literal("invite"), round: z.unknown() }),
  /** Participant → coordinator: the signed round again (the coordinator may not have its invite yet) and the signed submission. */
  z.strictObject({ kind: z.literal("submit"), round: z.unknown(), submission: z.unknown() }),
  /** Coordinator → participant: its own edges; answered with its signatures or a refusal. */
  z.strictObject({ kind: z.literal("proposal"), round: hex64, proposal }),
  /** Coordinator → participant: the preimage and the fully signed set-offs of its edges. */
  z.strictObject({ kind: z.literal("reveal"), round: hex64, preimage: hex64, setOffs: z.array(z.unknown()).max(MAX_PARTICIPANTS - 1) }),
  /** Participant → coordinator: where the round stands, and its reveal once there is one. */
  z.strictObject({ kind: z.literal("status"), round: hex64 }),
]);
export type ClearingRequest = z.infer<typeof clearingRequest>;

export const ROUND_STATES = ["invited", "collecting", "proposed", "signed", "revealed", "previewed", "lapsed", "refused"] as const;
export type RoundState = (typeof ROUND_STATES)[number];

export const inviteResult = z.strictObject({ kind: z.literal("accepted") });
export const submitResult = z.strictObject({ kind: z.literal("received") });
/** The participant's signatures, one per edge of its proposal, under its role on that edge; none in a dry run. */
export const proposalResult = z.strictObject({ kind: z.literal("signed"), sigs });
export const revealResult = z.strictObject({ kind: z.literal("stored"), stored: z.number().int().min(0).max(MAX_PARTICIPANTS) });
export const statusResult = z.strictObject({
  kind: z.literal("status"),
  state: z.enum(ROUND_STATES),
  reveal: z.strictObject({ preimage: hex64, setOffs: z.array(z.unknown()).max(MAX_PARTICIPANTS - 1) }).optional(),
});

/**
 * Refusals a clearing message may get, sealed as `{ok: false, error: {code, message}}`. Each
 * changes nothing at the receiver.
 */
export const CLEARING_ERRORS = {
  bad_request: "not a clearing message, or a part that does not parse",
  clearing_off: "this node does not take part in clearing (CLEARING=off)",
  unknown_node: "a node whose card this node does not hold",
  bad_round_signature: "the round descriptor's signature does not verify by its initiator",
  wrong_round_id: "the round's id is not the hash of its fields",
  wrong_coordinator: "the round's coordinator is not the one its id selects",
  repeat_coordinator: "the coordinator also coordinated this node's previous round of the unit",
  not_participant: "the sender, or this node, is not a participant of the round",
  not_initiator: "an invite from a node other than the round's initiator",
  not_coordinator: "a submission to, or a proposal or reveal from, a node that is not the round's coordinator",
  round_busy: "this node already takes part in an open round of this unit",
  round_closed: "past the round's deadline, or the round is over",
  unknown_round: "no such round here",
  bad_submission_signature: "the submission's signature does not verify by its node",
  wrong_round: "a part that belongs to another round",
  foreign_obligation: "an obligation the submitter is not a party to, with a non-participant, or of another unit or cut-off",
  conflicting_submission: "another submission of this node is already held for the round",
  obligation_mismatch: "a proposed edge is not the receiver's obligation at asOf, or one is missing",
  over_capacity: "a proposed edge's capacity or amount is above what the receiver allows",
  unbalanced: "the proposal changes the receiver's net position",
  not_optimal: "the potentials do not certify the proposal optimal",
  inconsistent_potentials: "the receiver's potential differs between its edges",
  bad_set_off: "a revealed set-off does not verify, or is not the one proposed",
  wrong_preimage: "the preimage does not open the round's hashlock",
} as const;
export type ClearingErrorCode = keyof typeof CLEARING_ERRORS;
