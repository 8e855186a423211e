// What each kind of rule finds now: one firing per subject whose condition holds. Each reads what
// is cheap to read on every tick: the calls' per-minute rollups (not the invocation log), the
// peers' last contact, recent disputes, the pending definition changes, and a bounded stretch of
// the audit chain.
import type { Database } from "../../store/database.ts";
import { counterRows } from "../../store/metrics.ts";
import { listPeers } from "../../store/peers.ts";
import { disputedSince } from "../../store/ledger.ts";
import { listChanges } from "../../store/definition-pins.ts";
import type { AlertRuleRow } from "../../store/alerts.ts";
import { verifyAuditTrail } from "../access/audit/audit-trail.ts";
import { readAuditPosition, writeAuditPosition } from "../access/audit/sealed-positions.ts";
import { METRICS } from "../metrics/definitions.ts";
import { minuteOf } from "../metrics/recorder.ts";
import { paramsOf, type AlertKind } from "./rules.ts";

export interface Firing {
  /** What the alert is about within its rule: a peer's id, a change's id, or "" for the node. */
  subject: string;
  summary: string;
  details: Record<string, unknown>;
}

export interface ConditionPorts {
  db: Database;
  /** The audit chain's HMAC key. */
  auditKey: () => Promise<Uint8Array>;
}

/** Subjects one rule may hold open at once; more are left for the next tick. */
export const MAX_FIRINGS_PER_RULE = 100;
/** Audit entries verified per tick by each walk: a long chain is caught up over several ticks. */
const AUDIT_ENTRIES_PER_TICK = 5000;
/** Outcomes that are not failures: an answer from the tool, or from the cache. */
const SUCCESSES = new Set(["ok", "cache_hit"]);
const MINUTE_MS = 60_000;

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

async function errorRate(p: ConditionPorts, rule: AlertRuleRow & { kind: "error_rate" }, now: number): Promise<Firing[]> {
  const { threshold, windowMinutes, minCalls } = paramsOf(rule);
  let calls = 0;
  let errors = 0;
  for (const r of await counterRows(p.db, METRICS.calls.name, minuteOf(now) - windowMinutes + 1)) {
    calls += r.value;
    if (!SUCCESSES.has((JSON.parse(r.labels) as { outcome: string }).outcome)) errors += r.value;
  }
  const rate = calls === 0 ? 0 : errors / calls;
  if (calls < minCalls || rate <= threshold) return [];
  return [{ subject: "", summary: `${percent(rate)} of calls failed in the last ${windowMinutes} min (${errors} of ${calls}; threshold ${percent(threshold)})`, details: { calls, errors, rate, threshold, windowMinutes } }];
}

async function peerUnreachable(p: ConditionPorts, rule: AlertRuleRow & { kind: "peer_unreachable" }, now: number): Promise<Firing[]> {
  const { minutes } = paramsOf(rule);
  return (await listPeers(p.db))
    .filter((peer) => peer.state === "active" && now - (peer.lastSeenAt ?? peer.createdAt) >= minutes * MINUTE_MS)
    .slice(0, MAX_FIRINGS_PER_RULE)
    .map((peer) => {
      const last = peer.lastSeenAt ?? peer.createdAt;
      return { subject: peer.nodeId, summary: `peer ${peer.name} not heard from for ${Math.floor((now - last) / MINUTE_MS)} min`, details: { peer: peer.nodeId, name: peer.name, lastSeenAt: peer.lastSeenAt === null ? null : new Date(peer.lastSeenAt).toISOString() } };
    });
}

async function dispute(p: ConditionPorts, rule: AlertRuleRow & { kind: "dispute" }, now: number): Promise<Firing[]> {
  const { windowMinutes } = paramsOf(rule);
  const { count, records } = await disputedSince(p.db, now - windowMinutes * MINUTE_MS, 5);
  if (count === 0) return [];
  return [{ subject: "", summary: `${count} ledger record${count === 1 ? "" : "s"} disputed in the last ${windowMinutes} min`, details: { count, records } }];
}

function chainBreak(v: { brokenAt: number; reason: string }): Firing[] {
  return [{ subject: "", summary: `the audit chain breaks at entry ${v.brokenAt}: ${v.reason}`, details: { brokenAt: v.brokenAt, reason: v.reason } }];
}

/**
 * Verifies the entries appended since the head verified last and moves that head on; then walks
 * the entries verified before again, a bounded stretch per tick from where the last tick stopped,
 * so that a row changed after its verification is found too.
 */
async function auditBreak(p: ConditionPorts): Promise<Firing[]> {
  const key = await p.auditKey();
  const head = await readAuditPosition(p.db, key, "audit_head");
  const ahead = await verifyAuditTrail(p.db, key, { ...(head ? { after: head } : {}), maxEntries: AUDIT_ENTRIES_PER_TICK });
  if (!ahead.ok) return chainBreak(ahead);
  if (ahead.entries > (head?.seq ?? 0)) await writeAuditPosition(p.db, key, "audit_head", { seq: ahead.entries, hash: ahead.head });
  const sweep = await readAuditPosition(p.db, key, "audit_sweep");
  const again = await verifyAuditTrail(p.db, key, { ...(sweep ? { after: sweep } : {}), maxEntries: AUDIT_ENTRIES_PER_TICK });
  if (!again.ok) return chainBreak(again);
  // At the verified head the walk starts over from the first entry on the next tick.
  await writeAuditPosition(p.db, key, "audit_sweep", again.entries >= ahead.entries ? { seq: 0, hash: "" } : { seq: again.entries, hash: again.head });
  return [];
}

async function definitionChange(p: ConditionPorts): Promise<Firing[]> {
  return (await listChanges(p.db, { status: "pending" })).slice(0, MAX_FIRINGS_PER_RULE).map((c) => ({
    subject: String(c.id),
    summary: `tool ${c.upstream}/${c.tool} ${c.oldFingerprint ? "changed its definition" : "is new"}; approve or reject change ${c.id}`,
    details: { change: c.id, upstream: c.upstream, tool: c.tool, detectedAt: new Date(c.detectedAt).toISOString() },
  }));
}

/** The rule's firings now. */
export function firings(p: ConditionPorts, rule: AlertRuleRow, now: number): Promise<Firing[]> {
  const kind: AlertKind = rule.kind;
  switch (kind) {
    case "error_rate":
      return errorRate(p, rule as AlertRuleRow & { kind: "error_rate" }, now);
    case "peer_unreachable":
      return peerUnreachable(p, rule as AlertRuleRow & { kind: "peer_unreachable" }, now);
    case "dispute":
      return dispute(p, rule as AlertRuleRow & { kind: "dispute" }, now);
    case "audit_break":
      return auditBreak(p);
    case "definition_change":
      return definitionChange(p);
  }
}
