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
