// The settlement message of mcpfed/1 (protocol §16): the payer sends its signed settlement to the
// payee, which answers with its countersigned copy, or keeps it pending for its operator, or refuses it.
import { z } from "zod";
import { settlementRecord } from "../ledger/settlement.ts";

export const settlementRequest = z.strictObject({
  type: z.literal("settlement"),
  /** The payer's signature only: the payee adds its own. */
  record: settlementRecord.refine((r) => r.sigs.payee === undefined, { message: "the payer sends the settlement pending" }),
});
export type SettlementRequest = z.infer<typeof settlementRequest>;

export const settlementReply = z.discriminatedUnion("status", [
  z.strictObject({ type: z.literal("settlement"), status: z.literal("confirmed"), record: settlementRecord }),
  /** unverified: the payee's operator confirms it by hand; unpaid: the payee's processor does not show the payment. */
  z.strictObject({ type: z.literal("settlement"), status: z.literal("pending"), reason: z.enum(["unverified", "unpaid"]) }),
  z.strictObject({
    type: z.literal("settlement"),
    status: z.literal("refused"),
    reason: z.enum(["malformed", "not_a_party", "unknown_node", "bad_payer_signature", "bad_payee_signature", "conflicting_record"]),
  }),
]);
export type SettlementReply = z.infer<typeof settlementReply>;
