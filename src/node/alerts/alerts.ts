// Alerts as the operator sees them: evaluating the rules on the tick (opening an alert for a
// condition that starts, keeping one open while it lasts, resolving it when it clears), listing
// and acknowledging alerts, adding and removing rules. Each operator action is audited.
import type { Database } from "../../store/database.ts";
import {
  acknowledgeAlert,
  deleteRule,
  hasOpenAlert,
  insertRule,
  listAlerts,
  listRules,
  openAlerts,
  openKeyOf,
  placeDefaultRules,
  pruneResolved,
  raiseAlerts,
  resolveAlerts,
  type AlertRow,
  type AlertRuleRow,
  type AlertState,
  type Raised,
} from "../../store/alerts.ts";
import type { AlertBody } from "../../protocol/alerts/webhook.ts";
import type { AuditEntry } from "../access/audit/audit-trail.ts";
import { log } from "../logging/log.ts";
import { firings, type ConditionPorts } from "./conditions.ts";
import { checkedRule, DEFAULT_RULES, type RuleInput } from "./rules.ts";

export interface AlertPorts extends ConditionPorts {
  audit: { append(entry: AuditEntry): Promise<void> };
}

export interface AlertTickReport {
  rules: number;
  open: number;
  opened: number;
  resolved: number;
  /** Rules whose condition could not be read this tick: their open alerts stay as they were. */
  failed: { rule: string; error: string }[];
}

/** How long a resolved alert is kept. */
const RESOLVED_KEPT_MS = 30 * 24 * 3600_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An alert as the admin API, the MCP resource and the webhook show it. */
export function alertView(a: AlertRow): AlertBody {
  return {
    id: a.id,
    rule: a.ruleId,
    kind: a.kind as AlertBody["kind"],
    subject: a.subject,
    severity: a.severity,
    state: a.state,
    summary: a.summary,
    details: a.details,
    openedAt: iso(a.openedAt)!,
    resolvedAt: iso(a.resolvedAt),
    acknowledgedAt: iso(a.acknowledgedAt),
  };
}

export function ruleView(r: AlertRuleRow) {
  return { id: r.id, kind: r.kind, params: r.params, severity: r.severity, createdAt: new Date(r.createdAt).toISOString() };
}

/** The rules, with the defaults placed on a node that never had them. */
export async function alertRules(db: Database): Promise<AlertRuleRow[]> {
  await placeDefaultRules(db, DEFAULT_RULES);
  return listRules(db);
}

/** One pass over every rule: the tick's. */
export async function evaluateAlerts(p: AlertPorts, now: number): Promise<AlertTickReport> {
  const rules = await alertRules(p.db);
  const raised: Raised[] = [];
  const failed: AlertTickReport["failed"] = [];
  for (const rule of rules) {
    try {
      for (const f of await firings(p, rule, now)) raised.push({ ruleId: rule.id, kind: rule.kind, subject: f.subject, severity: rule.severity, summary: f.summary, details: f.details });
    } catch (err) {
      log.warn("alerts.rule_failed", { rule: rule.id, error: String(err) });
      failed.push({ rule: rule.id, error: String(err) });
    }
  }
  const open = await openAlerts(p.db);
  const holding = new Set(raised.map((r) => openKeyOf(r.ruleId, r.subject)));
  const unread = new Set(failed.map((f) => f.rule));
  const cleared = open.filter((a) => !unread.has(a.ruleId) && !holding.has(a.openKey ?? ""));
  const before = new Set(open.map((a) => a.openKey));
  await raiseAlerts(p.db, raised, now);
  await resolveAlerts(p.db, cleared.map((a) => a.id), now);
  await pruneResolved(p.db, now - RESOLVED_KEPT_MS);
  const opened = raised.filter((r) => !before.has(openKeyOf(r.ruleId, r.subject))).length;
  return { rules: rules.length, open: open.length - cleared.length + opened, opened, resolved: cleared.length, failed };
}

export async function alertList(db: Database, filter: { state?: AlertState | undefined; limit: number }): Promise<AlertBody[]> {
  return (await listAlerts(db, filter)).map(alertView);
}

/** Whether the tick found the audit chain broken and the break is not cleared. */
export function auditBreakOpen(db: Database): Promise<boolean> {
  return hasOpenAlert(db, "audit_break");
}

export async function acknowledge(p: AlertPorts, id: number, now: number): Promise<AlertBody | undefined> {
  const row = await acknowledgeAlert(p.db, id, now);
  if (!row) return undefined;
  await p.audit.append({ actor: "operator", action: "alert.acknowledge", target: `${row.ruleId}/${row.subject}`, decision: "ok", reason: `alert ${row.id}`, details: { state: row.state } });
  return alertView(row);
}

export type RuleAdded = { ok: true; rule: AlertRuleRow } | { ok: false; code: "invalid_request" | "conflict"; message: string };

export async function addRule(p: AlertPorts, input: RuleInput, randomId: () => string): Promise<RuleAdded> {
  const checked = checkedRule(input, randomId);
  if (!checked.ok) return { ok: false, code: "invalid_request", message: checked.message };
  await placeDefaultRules(p.db, DEFAULT_RULES);
  const rule = await insertRule(p.db, checked.rule);
  if (!rule) return { ok: false, code: "conflict", message: `a rule ${checked.rule.id} exists` };
  await p.audit.append({ actor: "operator", action: "alert.rule.add", target: rule.id, decision: "ok", details: { kind: rule.kind, params: rule.params, severity: rule.severity } });
  return { ok: true, rule };
}

/** False when there was no such rule. Its open alerts are resolved with it. */
export async function removeRule(p: AlertPorts, id: string, now: number): Promise<boolean> {
  await placeDefaultRules(p.db, DEFAULT_RULES);
  if (!(await deleteRule(p.db, id, now))) return false;
  await p.audit.append({ actor: "operator", action: "alert.rule.remove", target: id, decision: "ok" });
  return true;
}

