// The refusals of a clearing message (protocol §16.2), sealed to the sender as
// `{ok: false, error: {code, message}}`. Each changes nothing at the receiver.

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
  too_many_rounds: "this node holds as many open rounds as it takes",
  too_soon: "the cut-off is before the T of this node's last revealed round of the unit, whose set-offs count only from T",
  round_closed: "past the round's deadline, or the round is over",
  unknown_round: "no such round here",
  bad_submission_signature: "the submission's signature does not verify by its node",
  wrong_round: "a part that belongs to another round",
  foreign_obligation: "an obligation the submitter is not a party to, with a non-participant, or of another unit or cut-off",
  conflicting_submission: "another submission of this node is already held for the round",
  obligation_mismatch: "a proposed edge is not the receiver's obligation at asOf, or one is missing",
  limit_mismatch: "a proposed edge states another limit for the receiver than it submitted",
  wrong_capacity: "a proposed edge's capacity is not floor(obligation × the smaller limit / 100)",
  over_capacity: "a proposed edge's amount is above its capacity",
  unbalanced: "the proposal changes the receiver's net position",
  not_optimal: "the potentials do not certify the proposal optimal",
  inconsistent_potentials: "the receiver's potential differs between its edges",
  bad_set_off: "a revealed set-off does not verify, or is not the one proposed",
  wrong_preimage: "the preimage does not open the round's hashlock",
} as const;
export type ClearingErrorCode = keyof typeof CLEARING_ERRORS;

export class ClearingError extends Error {
  override name = "ClearingError";
  constructor(
    readonly code: ClearingErrorCode,
    message: string = CLEARING_ERRORS[code],
  ) {
    super(message);
  }
}
