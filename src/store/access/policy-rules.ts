// The operator's policy rules as stored.
import { eq } from "drizzle-orm";
import type { Database } from "../database.ts";
import { policyRules } from "../schema/access.ts";

export type PolicyRuleRow = typeof policyRules.$inferSelect;

export function listPolicyRules(db: Database): Promise<PolicyRuleRow[]> {
  return db.select().from(policyRules);
}

export async function insertPolicyRule(db: Database, values: typeof policyRules.$inferInsert): Promise<PolicyRuleRow> {
  const [row] = await db.insert(policyRules).values(values).returning();
  return row!;
}

/** False when there was no such rule. */
export async function deletePolicyRule(db: Database, id: string): Promise<boolean> {
  const rows = await db.delete(policyRules).where(eq(policyRules.id, id)).returning({ id: policyRules.id });
  return rows.length > 0;
}
