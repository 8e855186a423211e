// The operator's policy rules as stored.
import { asc, eq, sql, type SQLWrapper } from "drizzle-orm";
import type { Database } from "../database.ts";
import { policyRules } from "../schema/access.ts";

export type PolicyRuleRow = typeof policyRules.$inferSelect;

/** A rule's place in the order they are tried. */
export interface RuleAfter {
  priority: number;
  effect: string;
  id: string;
}

const effectRank = (effect: SQLWrapper | string) => sql`CASE ${effect} WHEN 'deny' THEN 0 WHEN 'grant' THEN 1 ELSE 2 END`;

/** Every rule; with `limit`, the first ones in the order they are tried (priority, then deny before grant before allow, then id), after `after` when given. */
export function listPolicyRules(db: Database, limit?: number, after?: RuleAfter): Promise<PolicyRuleRow[]> {
  if (limit === undefined) return db.select().from(policyRules);
  const effect = effectRank(policyRules.effect);
  return db
    .select()
    .from(policyRules)
    .where(after ? sql`(${policyRules.priority}, ${effect}, ${policyRules.id}) > (${after.priority}, ${effectRank(after.effect)}, ${after.id})` : undefined)
    .orderBy(asc(policyRules.priority), effect, asc(policyRules.id))
    .limit(limit);
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
