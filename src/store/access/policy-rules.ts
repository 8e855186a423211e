// The operator's policy rules as stored.
import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "../database.ts";
import { policyRules } from "../schema/access.ts";

export type PolicyRuleRow = typeof policyRules.$inferSelect;

/** Every rule; with `limit`, the first ones in the order they are tried (priority, then deny before grant before allow). */
export function listPolicyRules(db: Database, limit?: number): Promise<PolicyRuleRow[]> {
  if (limit === undefined) return db.select().from(policyRules);
  const effect = sql`CASE ${policyRules.effect} WHEN 'deny' THEN 0 WHEN 'grant' THEN 1 ELSE 2 END`;
  return db.select().from(policyRules).orderBy(asc(policyRules.priority), effect, asc(policyRules.id)).limit(limit);
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
