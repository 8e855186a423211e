// Which budget pays for each principal's relayed calls: one row per principal (schema/budget-charges.ts).
import { asc, eq, sql } from "drizzle-orm";
import type { BudgetRef } from "../protocol/budgets/budget.ts";
import { prepareOnce, type Database } from "./database.ts";
import { budgetCharges as charges } from "./schema/index.ts";

export interface BudgetCharge {
  principal: string;
  budget: BudgetRef;
  at: number;
}

const row = (r: typeof charges.$inferSelect): BudgetCharge => ({ principal: r.principal, budget: { owner: r.owner, unit: r.unit, task: r.task }, at: r.at });

/** Read before every relayed call: its statement is built once per database. */
export async function chargeOf(db: Database, principal: string): Promise<BudgetRef | undefined> {
  const [r] = await prepareOnce(db, "budgetChargeOf", () => db.select().from(charges).where(eq(charges.principal, sql.placeholder("principal"))).limit(1).prepare()).all({ principal });
  return r ? row(r).budget : undefined;
}

/** Sets (or replaces) the budget a principal's relayed calls are charged to. */
export async function setCharge(db: Database, principal: string, budget: BudgetRef): Promise<void> {
  await db
    .insert(charges)
    .values({ principal, ...budget })
    .onConflictDoUpdate({ target: charges.principal, set: { owner: budget.owner, unit: budget.unit, task: budget.task, at: sql`excluded.at` } });
}

/** Whether a row was there to delete. */
export async function clearCharge(db: Database, principal: string): Promise<boolean> {
  return (await db.delete(charges).where(eq(charges.principal, principal)).returning({ p: charges.principal })).length === 1;
}

/** Every charge, by principal; bounded by `limit`. */
export async function listCharges(db: Database, limit: number): Promise<BudgetCharge[]> {
  return (await db.select().from(charges).orderBy(asc(charges.principal)).limit(limit)).map(row);
}
