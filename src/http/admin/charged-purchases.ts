// Purchases the operator makes for a principal (protocol §17.9, "Charged calls"): a subscription,
// an offer or a licence bought with `principal` set is paid from the budget that principal is
// charged to, and refused, nothing bought, when that budget cannot pay it.
import type { Context } from "hono";
import { z } from "zod";
import { fail } from "./respond.ts";
import { BudgetRefused } from "../../node/budgets/call-charges.ts";

/** A principal id as policy names it: "token:<id>", "client:<client_id>", … */
export const principalId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,255}$/, "a principal id");

/** 409 with the refusal's code as its reason for a purchase the principal's budget cannot pay; rethrows anything else. */
export function purchaseRefused(c: Context, err: unknown): Response {
  if (!(err instanceof BudgetRefused)) throw err;
  return fail(c, "conflict", `${err.code}: ${err.message}`, undefined, err.code);
}
