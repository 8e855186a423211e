// Alert rules, the alerts they raised, and the evaluation's marks (src/store/schema/alerts.ts).
import { and, desc, eq, inArray, isNull, lt, ne, or, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import { alertMarks, alertRules, alerts } from "./schema/index.ts";

export type AlertRuleRow = typeof alertRules.$inferSelect;
export type NewAlertRule = Omit<typeof alertRules.$inferInsert, "createdAt">;
export type AlertRow = typeof alerts.$inferSelect;
export type AlertState = AlertRow["state"];

/** Marks the defaults as placed once: a rule the operator removed does not come back. */
const DEFAULTS_MARK = "defaults";

export function listRules(db: Database): Promise<AlertRuleRow[]> {
  return db.select().from(alertRules).orderBy(alertRules.id);
}

/** The default rules, on a node that never had them; a no-op afterwards. */
export async function placeDefaultRules(db: Database, rules: NewAlertRule[]): Promise<void> {
  const [placed] = await db.select({ name: alertMarks.name }).from(alertMarks).where(eq(alertMarks.name, DEFAULTS_MARK));
  if (placed) return;
  await db.batch([
    db.insert(alertMarks).values({ name: DEFAULTS_MARK, value: { rules: rules.map((r) => r.id) } }).onConflictDoNothing(),
    ...rules.map((r) => db.insert(alertRules).values(r).onConflictDoNothing()),
  ]);
}

/** False when a rule of that id exists. */
export async function insertRule(db: Database, rule: NewAlertRule): Promise<AlertRuleRow | undefined> {
  const [row] = await db.insert(alertRules).values(rule).onConflictDoNothing().returning();
  return row;
}

/** Removes the rule and resolves what it holds open; false when there was no such rule. */
export async function deleteRule(db: Database, id: string, at: number): Promise<boolean> {
  const [, removed] = await db.batch([
    db.update(alerts).set({ state: "resolved", resolvedAt: at, openKey: null }).where(and(eq(alerts.ruleId, id), eq(alerts.state, "open"))),
    db.delete(alertRules).where(eq(alertRules.id, id)).returning({ id: alertRules.id }),
  ]);
  return removed.length > 0;
}

/** The mark's object; undefined when there is none or its stored text is not a JSON object (a damaged row reads as absent). */
export async function getMark(db: Database, name: string): Promise<Record<string, unknown> | undefined> {
  // The raw text, not the column's JSON mapping, which throws on a damaged row.
  const [row] = await db.select({ value: sql<string>`${alertMarks.value}` }).from(alertMarks).where(eq(alertMarks.name, name));
  if (row === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(row.value);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function setMark(db: Database, name: string, value: Record<string, unknown>): Promise<void> {
  await db.insert(alertMarks).values({ name, value }).onConflictDoUpdate({ target: alertMarks.name, set: { value } });
}

/** Whether an alert of this kind is open. */
export async function hasOpenAlert(db: Database, kind: string): Promise<boolean> {
  const [row] = await db.select({ id: alerts.id }).from(alerts).where(and(eq(alerts.state, "open"), eq(alerts.kind, kind))).limit(1);
  return row !== undefined;
}

export function openAlerts(db: Database): Promise<AlertRow[]> {
  return db.select().from(alerts).where(eq(alerts.state, "open")).orderBy(desc(alerts.openedAt), desc(alerts.id));
}

export function listAlerts(db: Database, filter: { state?: AlertState | undefined; limit: number }): Promise<AlertRow[]> {
  return db
    .select()
    .from(alerts)
    .where(filter.state ? eq(alerts.state, filter.state) : undefined)
    .orderBy(desc(alerts.openedAt), desc(alerts.id))
    .limit(filter.limit);
}

export async function getAlert(db: Database, id: number): Promise<AlertRow | undefined> {
  const [row] = await db.select().from(alerts).where(eq(alerts.id, id));
  return row;
}

export interface Raised {
  ruleId: string;
  kind: string;
  subject: string;
  severity: AlertRow["severity"];
  summary: string;
  details: Record<string, unknown>;
}

export const openKeyOf = (ruleId: string, subject: string) => `${ruleId}\n${subject}`;

/**
 * Opens an alert for each condition that holds no open one, and refreshes the summary of those
 * that do: one batch. Another instance opening the same alert first is absorbed by the unique key.
 */
export async function raiseAlerts(db: Database, raised: Raised[], at: number): Promise<void> {
  if (raised.length === 0) return;
  const [first, ...rest] = raised.map((r) =>
    db
      .insert(alerts)
      .values({ ...r, state: "open", openKey: openKeyOf(r.ruleId, r.subject), openedAt: at })
      .onConflictDoUpdate({ target: alerts.openKey, set: { summary: sql`excluded.summary`, details: sql`excluded.details` } }),
  );
  await db.batch([first!, ...rest]);
}

export async function resolveAlerts(db: Database, ids: number[], at: number): Promise<void> {
  if (ids.length === 0) return;
  await db.update(alerts).set({ state: "resolved", resolvedAt: at, openKey: null }).where(and(inArray(alerts.id, ids), eq(alerts.state, "open")));
}

/** Undefined when there is no such alert; an acknowledged one keeps its first acknowledgement. */
export async function acknowledgeAlert(db: Database, id: number, at: number): Promise<AlertRow | undefined> {
  await db.update(alerts).set({ acknowledgedAt: at }).where(and(eq(alerts.id, id), isNull(alerts.acknowledgedAt)));
  return getAlert(db, id);
}

/** Alerts whose state the webhook has not taken yet, oldest first, leaving out those that failed `maxAttempts` times. */
export function undelivered(db: Database, maxAttempts: number, limit: number): Promise<AlertRow[]> {
  return db
    .select()
    .from(alerts)
    .where(and(or(isNull(alerts.deliveredState), ne(alerts.deliveredState, alerts.state)), lt(alerts.deliveryAttempts, maxAttempts)))
    .orderBy(alerts.id)
    .limit(limit);
}

/** The webhook took `state`; a later change of state is delivered afresh. */
export async function markDelivered(db: Database, id: number, state: AlertState): Promise<void> {
  await db.update(alerts).set({ deliveredState: state, deliveryAttempts: 0 }).where(eq(alerts.id, id));
}

export async function markDeliveryFailed(db: Database, id: number): Promise<void> {
  await db.update(alerts).set({ deliveryAttempts: sql`${alerts.deliveryAttempts} + 1` }).where(eq(alerts.id, id));
}

/** Forgets alerts resolved before `before` (ms). */
export async function pruneResolved(db: Database, before: number): Promise<void> {
  await db.delete(alerts).where(and(eq(alerts.state, "resolved"), lt(alerts.resolvedAt, before)));
}
