// A spend that pays for a relayed call: the price is read from the call's ledger record, never
// from the caller. The ledger itself is only read: its records and their signatures stay as the
// two parties signed them; the budget's debit names the record, and a record is paid once
// (Budgets.spend checks that under the budget's lock).
import { record as ledgerRecord } from "../../protocol/ledger/record.ts";
import type { BudgetRef } from "../../protocol/budgets/budget.ts";
import type { Ledger } from "../ledger/ledger.ts";

/** The amount a record makes due in the budget's unit, or why it cannot be paid from it. */
export async function ledgerSpend(s: { ledger: Pick<Ledger, "get"> }, budget: BudgetRef, id: string): Promise<number | string> {
  const held = await s.ledger.get(id);
  if (!held || held.role !== "consumer" || held.status === "disputed") return `no call ${id} this node made is in its ledger`;
  const r = ledgerRecord.safeParse(JSON.parse(held.record));
  if (!r.success) return `record ${id} does not parse`;
  if (budget.unit === "calls") return 1;
  const { unit, amount } = r.data.receipt;
  if (!unit || amount === 0) return `record ${id} is free`;
  return unit === budget.unit ? amount : `record ${id} is priced in ${unit}, not ${budget.unit}`;
}
