// Alert rules evaluated over a real libSQL store: the defaults a fresh node has, each kind of
// condition opening one alert per subject, kept (not duplicated) while it lasts and resolved when
// it clears, acknowledgement, and rules added and removed; every operator action audited.
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { memoryDb } from "../support/libsql.ts";
import type { Database } from "../../src/store/database.ts";
import { acknowledge, addRule, alertList, alertRules, evaluateAlerts, removeRule, type AlertPorts } from "../../src/node/alerts/alerts.ts";
import { ruleInput } from "../../src/node/alerts/rules.ts";
import { AuditTrail, listAudit } from "../../src/node/access/audit/audit-trail.ts";
import { MetricsRecorder } from "../../src/node/metrics/recorder.ts";
import { METRICS } from "../../src/node/metrics/definitions.ts";
import { recordChange, rejectChange } from "../../src/store/definition-pins.ts";
import { auditLog, ledgerRecords, peers } from "../../src/store/schema/index.ts";
import { getMark, setMark } from "../../src/store/alerts.ts";
import type { Card } from "../../src/protocol/card/schema.ts";
import { loadConfig } from "../../src/node/settings/config.ts";

const MINUTE = 60_000;
const T = 30_000_000 * MINUTE;
const KEY = new Uint8Array(32).fill(7);

async function setup(): Promise<{ db: Database; p: AlertPorts; trail: AuditTrail }> {
  const db = await memoryDb();
  const trail = new AuditTrail(db, async () => KEY);
  return { db, trail, p: { db, auditKey: async () => KEY, audit: trail } };
}

/** Only the named default rules, so each test watches one kind. */
async function keepOnly(p: AlertPorts, ...ids: string[]) {
  for (const r of await alertRules(p.db)) if (!ids.includes(r.id)) await removeRule(p, r.id, T);
}

async function calls(db: Database, at: number, outcomes: Record<string, number>) {
  const m = new MetricsRecorder({ db, defer: () => {}, now: () => at });
  for (const [outcome, n] of Object.entries(outcomes)) m.count(METRICS.calls, { tool: "everything_echo", peer: "", outcome }, n);
  await m.flush();
}

describe("alert rules", () => {
  it("a fresh node has one default rule of each kind; a removed default stays removed", async () => {
    const { p } = await setup();
    expect((await alertRules(p.db)).map((r) => [r.id, r.kind, r.severity])).toEqual([
      ["audit-break", "audit_break", "critical"],
      ["definition-change", "definition_change", "warning"],
      ["dispute", "dispute", "warning"],
      ["error-rate", "error_rate", "warning"],
      ["peer-unreachable", "peer_unreachable", "warning"],
    ]);
    expect((await alertRules(p.db)).find((r) => r.id === "error-rate")!.params).toEqual({ threshold: 0.2, windowMinutes: 5, minCalls: 10 });
    expect(await removeRule(p, "dispute", T)).toBe(true);
    expect(await removeRule(p, "dispute", T)).toBe(false);
    expect((await alertRules(p.db)).map((r) => r.id)).not.toContain("dispute");
    await evaluateAlerts(p, T);
    expect((await alertRules(p.db)).map((r) => r.id)).not.toContain("dispute");
  });

  it("refuses bad parameters and a taken id, and audits what it adds and removes", async () => {
    const { p, db } = await setup();
    const bad = await addRule(p, ruleInput.parse({ kind: "error_rate", params: { threshold: 2 } }), () => "x");
    expect(bad).toMatchObject({ ok: false, code: "invalid_request" });
    expect((await addRule(p, ruleInput.parse({ kind: "peer_unreachable", params: { hours: 1 } }), () => "x")).ok).toBe(false);
    const added = await addRule(p, ruleInput.parse({ id: "strict-errors", kind: "error_rate", params: { threshold: 0.05 } }), () => "x");
    expect(added.ok && added.rule.params).toEqual({ threshold: 0.05, windowMinutes: 5, minCalls: 10 });
    expect(await addRule(p, ruleInput.parse({ id: "strict-errors", kind: "dispute" }), () => "x")).toMatchObject({ ok: false, code: "conflict" });
    const generated = await addRule(p, ruleInput.parse({ kind: "dispute", severity: "critical" }), () => "ab12");
    expect(generated.ok && [generated.rule.id, generated.rule.severity]).toEqual(["dispute-ab12", "critical"]);
    await removeRule(p, "strict-errors", T);
    await new Promise((r) => setTimeout(r, 50));
    const actions = (await listAudit(db, { limit: 10 })).map((e) => `${e.action} ${e.target}`);
    expect(actions).toEqual(expect.arrayContaining(["alert.rule.add strict-errors", "alert.rule.add dispute-ab12", "alert.rule.remove strict-errors"]));
  });
});

describe("evaluation", () => {
  it("opens one error-rate alert while failures pass the threshold, keeps it across ticks, resolves it when they fall below", async () => {
    const { p, db } = await setup();
    await keepOnly(p, "error-rate");
    await calls(db, T, { ok: 4, tool_error: 3 }); // 7 calls: under minCalls
    expect((await evaluateAlerts(p, T)).opened).toBe(0);
    await calls(db, T + MINUTE, { upstream_error: 3 }); // 10 calls, 6 failed
    const first = await evaluateAlerts(p, T + MINUTE);
    expect(first).toMatchObject({ opened: 1, open: 1, resolved: 0, failed: [] });
    const [alert] = await alertList(db, { state: "open", limit: 10 });
    expect(alert).toMatchObject({ rule: "error-rate", kind: "error_rate", subject: "", severity: "warning", state: "open", details: { calls: 10, errors: 6, windowMinutes: 5 } });
    expect(alert!.summary).toContain("60%");
    // Still failing: the same alert, its summary brought up to date.
    await calls(db, T + 2 * MINUTE, { tool_error: 2 });
    expect(await evaluateAlerts(p, T + 2 * MINUTE)).toMatchObject({ opened: 0, open: 1, resolved: 0 });
    const kept = await alertList(db, { state: undefined, limit: 10 });
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ id: alert!.id, details: { calls: 12, errors: 8 } });
    // Successes dilute the window's failures below 20%.
    await calls(db, T + 3 * MINUTE, { ok: 30, cache_hit: 10 });
    expect(await evaluateAlerts(p, T + 3 * MINUTE)).toMatchObject({ opened: 0, open: 0, resolved: 1 });
    expect(await alertList(db, { state: "open", limit: 10 })).toEqual([]);
    const [resolved] = await alertList(db, { state: "resolved", limit: 10 });
    expect(resolved).toMatchObject({ id: alert!.id, resolvedAt: new Date(T + 3 * MINUTE).toISOString() });
    // Failures again, after the window moved past the old ones: a new alert.
    await calls(db, T + 20 * MINUTE, { timeout: 10 });
    expect((await evaluateAlerts(p, T + 20 * MINUTE)).opened).toBe(1);
    const [again] = await alertList(db, { state: "open", limit: 10 });
    expect(again!.id).not.toBe(alert!.id);
  });

  it("raises one alert per active peer unheard for the rule's minutes, and resolves it when the peer is heard", async () => {
    const { p, db } = await setup();
    await keepOnly(p, "peer-unreachable");
    const peer = (id: string, state: "active" | "blocked", lastSeenAt: number) =>
      db.insert(peers).values({ nodeId: id, name: `peer ${id}`, url: `https://${id}.example`, card: {} as Card, state, version: "1", features: [], createdAt: T - 600 * MINUTE, lastSeenAt });
    await peer("quiet", "active", T - 31 * MINUTE);
    await peer("lively", "active", T - 2 * MINUTE);
    await peer("blocked", "blocked", T - 300 * MINUTE);
    await evaluateAlerts(p, T);
    const open = await alertList(db, { state: "open", limit: 10 });
    expect(open.map((a) => a.subject)).toEqual(["quiet"]);
    expect(open[0]!.summary).toBe("peer peer quiet not heard from for 31 min");
    await db.update(peers).set({ lastSeenAt: T }).where(eq(peers.nodeId, "quiet"));
    expect(await evaluateAlerts(p, T + MINUTE)).toMatchObject({ resolved: 1, open: 0 });
  });

  it("raises a dispute alert for records disputed within the window, until the window passes", async () => {
    const { p, db } = await setup();
    await keepOnly(p, "dispute");
    await db.insert(ledgerRecords).values({ id: "r1", peer: "p", role: "provider", status: "disputed", reason: "conflicting_record", hash: "h1", completedAt: T, amount: 1, record: "{}", updatedAt: T - 5 * MINUTE });
    await db.insert(ledgerRecords).values({ id: "r2", peer: "p", role: "provider", status: "confirmed", hash: "h2", completedAt: T, amount: 1, record: "{}", updatedAt: T });
    await evaluateAlerts(p, T);
    const [alert] = await alertList(db, { state: "open", limit: 10 });
    expect(alert).toMatchObject({ kind: "dispute", details: { count: 1, records: [{ id: "r1", peer: "p", reason: "conflicting_record" }] } });
    expect(await evaluateAlerts(p, T + 56 * MINUTE)).toMatchObject({ resolved: 1, open: 0 });
  });

  it("raises one alert per definition change awaiting approval, resolved once decided", async () => {
    const { p, db } = await setup();
    await keepOnly(p, "definition-change");
    const change = (await recordChange(db, { upstream: "everything", tool: "echo", oldFingerprint: "sha256:old", newFingerprint: "sha256:new", newDefinitionHash: "d1", newDefinition: { name: "echo" } as never, detectedAt: T }))!;
    await evaluateAlerts(p, T);
    const [alert] = await alertList(db, { state: "open", limit: 10 });
    expect(alert).toMatchObject({ subject: String(change.id), summary: `tool everything/echo changed its definition; approve or reject change ${change.id}` });
    await rejectChange(db, change.id, T);
    expect(await evaluateAlerts(p, T + MINUTE)).toMatchObject({ resolved: 1 });
  });

  it("finds a break in the audit chain, in entries appended since the last tick and in entries verified before", async () => {
    const { p, db, trail } = await setup();
    await keepOnly(p, "audit-break");
    for (let i = 0; i < 5; i++) await trail.append({ actor: "operator", action: "test.entry", target: String(i), decision: "ok" });
    await evaluateAlerts(p, T);
    expect(await alertList(db, { state: "open", limit: 10 })).toEqual([]);
    // An entry verified on the last tick, changed since.
    await db.update(auditLog).set({ actor: "someone else" }).where(eq(auditLog.seq, 2));
    await evaluateAlerts(p, T + MINUTE);
    const [alert] = await alertList(db, { state: "open", limit: 10 });
    expect(alert).toMatchObject({ kind: "audit_break", severity: "critical", details: { brokenAt: 2, reason: "entry 2 was altered" } });
    // The break lasts: the same alert, tick after tick.
    await evaluateAlerts(p, T + 2 * MINUTE);
    expect(await alertList(db, { state: undefined, limit: 10 })).toHaveLength(1);
  });

  it("trusts no sweep position a store writer set without the key, and reads a damaged mark as none", async () => {
    const { p, db, trail } = await setup();
    await keepOnly(p, "audit-break");
    for (let i = 0; i < 5; i++) await trail.append({ actor: "operator", action: "test.entry", target: String(i), decision: "ok" });
    await evaluateAlerts(p, T);
    // A writer alters entry 2 and puts the sweep past it, as the unsealed mark once allowed.
    await db.update(auditLog).set({ actor: "someone else" }).where(eq(auditLog.seq, 2));
    const [four] = await db.select({ hash: auditLog.hash }).from(auditLog).where(eq(auditLog.seq, 4));
    await setMark(db, "audit_sweep", { seq: 4, hash: four!.hash });
    await evaluateAlerts(p, T + MINUTE);
    expect((await alertList(db, { state: "open", limit: 10 }))[0]?.details).toEqual({ brokenAt: 2, reason: "entry 2 was altered" });

    const other = await setup();
    await keepOnly(other.p, "audit-break");
    for (let i = 0; i < 3; i++) await other.trail.append({ actor: "operator", action: "test.entry", decision: "ok" });
    await evaluateAlerts(other.p, T);
    await other.db.run(sql`UPDATE alert_marks SET value = 'not json' WHERE name IN ('audit_head', 'audit_sweep')`);
    expect(await getMark(other.db, "audit_head")).toBeUndefined();
    await expect(evaluateAlerts(other.p, T + MINUTE)).resolves.toBeDefined();
    expect(await alertList(other.db, { state: "open", limit: 10 })).toEqual([]);
    await other.db.delete(auditLog).where(eq(auditLog.seq, 2));
    await evaluateAlerts(other.p, T + 2 * MINUTE);
    expect((await alertList(other.db, { state: "open", limit: 10 }))[0]?.details).toEqual({ brokenAt: 2, reason: "entry 2 is missing" });
  });

  it("finds the head verified on the last tick removed, and an older entry removed", async () => {
    const { p, db, trail } = await setup();
    await keepOnly(p, "audit-break");
    for (let i = 0; i < 3; i++) await trail.append({ actor: "operator", action: "test.entry", decision: "ok" });
    await evaluateAlerts(p, T);
    const [{ last }] = (await db.select({ last: sql<number>`max(${auditLog.seq})` }).from(auditLog)) as [{ last: number }];
    await db.delete(auditLog).where(eq(auditLog.seq, last));
    await evaluateAlerts(p, T + MINUTE);
    const [alert] = await alertList(db, { state: "open", limit: 10 });
    expect(alert?.details).toEqual({ brokenAt: last, reason: `entry ${last} changed since it was verified` });

    const other = await setup();
    await keepOnly(other.p, "audit-break");
    for (let i = 0; i < 3; i++) await other.trail.append({ actor: "operator", action: "test.entry", decision: "ok" });
    await evaluateAlerts(other.p, T);
    await other.db.delete(auditLog).where(eq(auditLog.seq, 2));
    await evaluateAlerts(other.p, T + MINUTE);
    expect((await alertList(other.db, { state: "open", limit: 10 }))[0]?.details).toEqual({ brokenAt: 2, reason: "entry 2 is missing" });
  });
});

describe("acknowledging", () => {
  it("marks an alert seen once, keeps it open while its condition lasts, and audits it", async () => {
    const { p, db } = await setup();
    await keepOnly(p, "error-rate");
    await calls(db, T, { tool_error: 10 });
    await evaluateAlerts(p, T);
    const [alert] = await alertList(db, { state: "open", limit: 10 });
    const acked = await acknowledge(p, alert!.id, T + 1000);
    expect(acked).toMatchObject({ id: alert!.id, state: "open", acknowledgedAt: new Date(T + 1000).toISOString() });
    expect((await acknowledge(p, alert!.id, T + 9000))!.acknowledgedAt).toBe(new Date(T + 1000).toISOString());
    expect(await acknowledge(p, 999, T)).toBeUndefined();
    await evaluateAlerts(p, T + MINUTE);
    expect(await alertList(db, { state: "open", limit: 10 })).toMatchObject([{ id: alert!.id, acknowledgedAt: new Date(T + 1000).toISOString() }]);
    await new Promise((r) => setTimeout(r, 50));
    expect((await listAudit(db, { limit: 20 })).filter((e) => e.action === "alert.acknowledge")).toHaveLength(2);
    expect(Number((await db.get<{ n: number }>(sql`select count(*) as n from alerts`))?.n)).toBe(1);
  });
});

describe("the webhook's settings", () => {
  const base = { ADMIN_TOKEN: "x".repeat(16), NODE_SEED: "A".repeat(43) };
  const secret = "a-webhook-secret-of-some-length";

  it("come together, and a refusal never shows the secret", () => {
    expect(loadConfig(base).alertWebhook).toBeUndefined();
    expect(loadConfig({ ...base, ALERT_WEBHOOK_URL: "https://hooks.example/a", ALERT_WEBHOOK_SECRET: secret }).alertWebhook).toEqual({ url: "https://hooks.example/a", secret });
    expect(() => loadConfig({ ...base, ALERT_WEBHOOK_URL: "https://hooks.example/a" })).toThrow(/ALERT_WEBHOOK_SECRET/);
    expect(() => loadConfig({ ...base, ALERT_WEBHOOK_SECRET: secret })).toThrow(/ALERT_WEBHOOK_URL/);
    expect(() => loadConfig({ ...base, ALERT_WEBHOOK_URL: "ftp://hooks.example/a", ALERT_WEBHOOK_SECRET: secret })).toThrow(/ALERT_WEBHOOK_URL/);
    const short = "short-secret";
    let message = "";
    try {
      loadConfig({ ...base, ALERT_WEBHOOK_URL: "https://hooks.example/a", ALERT_WEBHOOK_SECRET: short });
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/ALERT_WEBHOOK_SECRET: at least 16 characters/);
    expect(message).not.toContain(short);
  });
});
