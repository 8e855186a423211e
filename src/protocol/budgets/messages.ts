// The budget messages between peers (protocol §17, "Budgets"). `budget-sync` carries what the
// sender holds of one budget as a summary (each writer's running totals) and up to a page of
// signed deltas the receiver's last summary lacked; the answer is the receiver's summary and a
// page of the deltas the sender's summary lacks. A few rounds bring both sides level.
// `budget-ask` asks a member for rights and answers with the transfer it signed, if any.
import { z } from "zod";
import { signedDelta } from "../blackboard/delta.ts";
import { nodeId } from "../identity/node-id.ts";
import { MAX_AMOUNT } from "../blackboard/limits.ts";
import { budgetRef, MAX_BUDGET_MEMBERS, MAX_RECEIVERS_PER_GIVER } from "./budget.ts";

/** A composite-signed delta is about 5 KB: a page stays well under a request's body limit. */
export const MAX_PAGE_DELTAS = 32;
/** Every entry one budget can hold: an allocation, and per member a spend and its transfers. */
export const MAX_SUMMARY = 1 + MAX_BUDGET_MEMBERS * (1 + MAX_RECEIVERS_PER_GIVER);

const amount = z.number().int().min(0).max(MAX_AMOUNT);

/** One entry of a summary: the highest total held for (writer, kind, receiver). */
export const summaryEntry = z.strictObject({
  writer: nodeId,
  kind: z.enum(["allocate", "transfer", "spend"]),
  receiver: z.union([nodeId, z.literal("")]),
  total: amount,
});
export type SummaryEntry = z.infer<typeof summaryEntry>;

export const budgetSyncRequest = z.strictObject({
  type: z.literal("budget-sync"),
  budget: budgetRef,
  have: z.array(summaryEntry).max(MAX_SUMMARY),
  deltas: z.array(signedDelta).max(MAX_PAGE_DELTAS),
});
export const budgetSyncResult = z.strictObject({
  type: z.literal("budget-sync"),
  have: z.array(summaryEntry).max(MAX_SUMMARY),
  deltas: z.array(signedDelta).max(MAX_PAGE_DELTAS),
  /** How many of the sent deltas were refused (bad signature, unknown writer, not a member's, over a bound). */
  refused: z.number().int().min(0),
});

export const budgetAskRequest = z.strictObject({
  type: z.literal("budget-ask"),
  budget: budgetRef,
  amount: z.number().int().min(1).max(MAX_AMOUNT),
});
export const budgetAskResult = z.strictObject({
  type: z.literal("budget-ask"),
  /** What the asked node gave: 0 when it holds too little to spare. */
  granted: amount,
  /** The transfer it signed, when it gave anything. */
  transfer: signedDelta.optional(),
});

export type BudgetSyncRequest = z.infer<typeof budgetSyncRequest>;
export type BudgetSyncResult = z.infer<typeof budgetSyncResult>;
export type BudgetAskRequest = z.infer<typeof budgetAskRequest>;
export type BudgetAskResult = z.infer<typeof budgetAskResult>;
