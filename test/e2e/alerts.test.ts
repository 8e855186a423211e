// Alerts end to end: a real node process fronting server-everything, a loopback webhook receiver,
// the CLI and the MCP SDK client. Failing calls raise an error-rate alert on the tick; it shows in
// /admin/alerts, in mcpfed://alerts for a token with alerts:read (and for no other), and at the
// webhook with a valid HMAC after a failed first delivery is tried again; acknowledging works;
// the alert resolves once successes bring the error rate down, and the webhook hears that too.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertWebhook, SIGNATURE_HEADER, verifySignatureHeader, type AlertBody } from "../../src/protocol/alerts/webhook.ts";
import { cli } from "../support/cli.ts";
import { connect, rawMcp } from "../support/mcp.ts";
import { startNodeWithEverything } from "../support/node-with-everything.ts";
import { json, type NodeProc, type Upstream } from "../support/processes.ts";
import { tick } from "../support/tick.ts";

const SECRET = "alert-webhook-secret-for-the-e2e-test";

interface Delivery {
  signature: string;
  body: string;
  answered: number;
}

let receiver: Server;
const deliveries: Delivery[] = [];
let node: NodeProc;
let everything: Upstream;

let nextId = 1;
async function call(name: string, args: Record<string, unknown>) {
  const r = await rawMcp(node.mcpUrl, JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: "tools/call", params: { name, arguments: args } }));
  return (await r.json()) as { result?: { isError?: boolean }; error?: { code: number } };
}

const operator = (args: string[]) => cli(args, { MCPFED_URL: node.url, ADMIN_TOKEN: node.adminToken });
const alertsIn = async (state: string) => (await json<{ alerts: AlertBody[] }>(await node.admin("GET", `/alerts?state=${state}`))).alerts;
type AlertsReport = { opened: number; resolved: number; open: number; failed: unknown[]; webhook: { sent: number; failed: number } };

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      // The first delivery fails: the node must try it again on its next tick.
      const answered = deliveries.length === 0 ? 503 : 204;
      deliveries.push({ signature: String(req.headers[SIGNATURE_HEADER] ?? ""), body, answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  ({ node, everything } = await startNodeWithEverything({ env: { ALERT_WEBHOOK_URL: hook, ALERT_WEBHOOK_SECRET: SECRET } }));
});

afterAll(async () => {
  await Promise.all([node?.stop(), everything?.stop(), new Promise((r) => receiver?.close(r))]);
});

describe("alerts", () => {
  let alertId: number;

  it("a fresh node has the default rules; the operator replaces the error-rate rule with the CLI", async () => {
    const listed = await operator(["alerts", "rules", "list"]);
    expect(listed.code).toBe(0);
    for (const id of ["error-rate", "peer-unreachable", "dispute", "audit-break", "definition-change"]) expect(listed.stdout).toContain(id);
    expect((await operator(["alerts", "rules", "remove", "error-rate"])).stdout).toContain("removed rule error-rate");
    const added = await operator(["alerts", "rules", "add", "error_rate", "--id", "errors", "--threshold", "0.5", "--window", "10", "--min-calls", "4"]);
    expect(added.stderr).toBe("");
    expect(added.stdout).toContain("added rule errors (error_rate, warning)");
    const bad = await operator(["alerts", "rules", "add", "error_rate", "--threshold", "7"]);
    expect(bad.code).not.toBe(0);
    const rules = await json<{ rules: { id: string; params: Record<string, number> }[] }>(await node.admin("GET", "/alerts/rules"));
    expect(rules.rules.find((r) => r.id === "errors")?.params).toEqual({ threshold: 0.5, windowMinutes: 10, minCalls: 4 });
    expect(rules.rules.map((r) => r.id)).not.toContain("error-rate");
  });

  it("failing calls raise one error-rate alert on the tick, seen in /admin/alerts and at the webhook, signed, after a retry", async () => {
    for (let i = 0; i < 5; i++) {
      const r = await call("everything_get-sum", { a: "not a number", b: "nor this" });
      expect(r.error ?? r.result?.isError).toBeTruthy();
    }
    expect(await alertsIn("open")).toEqual([]);
    const first = (await tick(node)).alerts as AlertsReport;
    expect(first).toMatchObject({ opened: 1, open: 1, failed: [], webhook: { sent: 0, failed: 1 } });
    const [alert] = await alertsIn("open");
    expect(alert).toMatchObject({ rule: "errors", kind: "error_rate", state: "open", severity: "warning", details: { calls: 5, errors: 5 }, acknowledgedAt: null });
    alertId = alert!.id;
    expect(deliveries).toHaveLength(1);

    // Still failing on the next tick: the same alert, and the delivery that failed goes again.
    const second = (await tick(node)).alerts as AlertsReport;
    expect(second).toMatchObject({ opened: 0, open: 1, webhook: { sent: 1, failed: 0 } });
    expect((await alertsIn("all")).map((a) => a.id)).toEqual([alertId]);
    expect(deliveries).toHaveLength(2);
    const delivered = deliveries[1]!;
    expect(verifySignatureHeader(SECRET, delivered.signature, delivered.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifySignatureHeader("another secret entirely!", delivered.signature, delivered.body, Math.floor(Date.now() / 1000))).toBe(false);
    expect(verifySignatureHeader(SECRET, delivered.signature, delivered.body.replace('"open"', '"resolved"'), Math.floor(Date.now() / 1000))).toBe(false);
    const message = alertWebhook.parse(JSON.parse(delivered.body));
    expect(message).toMatchObject({ type: "alert", version: 1, node: node.nodeId, alert: { id: alertId, state: "open", rule: "errors" } });
    // Taken once: a third tick sends nothing.
    expect(((await tick(node)).alerts as AlertsReport).webhook).toEqual({ sent: 0, failed: 0 });
    expect(deliveries).toHaveLength(2);
  });

  it("shows the alert in mcpfed://alerts to a token with alerts:read, and to no other", async () => {
    const { secret: watcher } = await json<{ secret: string }>(await node.admin("POST", "/tokens", { name: "watcher", scopes: ["mcp:read", "alerts:read"] }));
    const client = await connect(node.mcpUrl, { authorization: `Bearer ${watcher}` });
    try {
      expect((await client.listResources()).resources.map((r) => r.uri)).toContain("mcpfed://alerts");
      const read = await client.readResource({ uri: "mcpfed://alerts" });
      const body = JSON.parse((read.contents[0] as { text: string }).text) as { open: AlertBody[]; resolved: AlertBody[] };
      expect(body.open.map((a) => [a.id, a.rule, a.state])).toEqual([[alertId, "errors", "open"]]);
    } finally {
      await client.close();
    }
    const { secret: reader } = await json<{ secret: string }>(await node.admin("POST", "/tokens", { name: "reader", scopes: ["mcp:read"] }));
    const other = await connect(node.mcpUrl, { authorization: `Bearer ${reader}` });
    try {
      expect((await other.listResources()).resources.map((r) => r.uri)).not.toContain("mcpfed://alerts");
      await expect(other.readResource({ uri: "mcpfed://alerts" })).rejects.toThrow();
    } finally {
      await other.close();
    }
  });

  it("acknowledges the alert with the CLI, audited; it stays open while the calls keep failing", async () => {
    const acked = await operator(["alerts", "ack", String(alertId)]);
    expect(acked.stdout).toContain(`acknowledged alert ${alertId}`);
    expect((await operator(["alerts", "ack", "99999"])).code).not.toBe(0);
    const [alert] = await alertsIn("open");
    expect(alert).toMatchObject({ id: alertId, state: "open" });
    expect(alert!.acknowledgedAt).not.toBeNull();
    const listed = await operator(["alerts"]);
    expect(listed.stdout).toContain(String(alertId));
    const audit = await json<{ entries: { action: string; target: string | null }[] }>(await node.admin("GET", "/audit?action=alert."));
    expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(["alert.acknowledge", "alert.rule.add", "alert.rule.remove"]));
  });

  it("resolves the alert once successes bring the error rate below the threshold; the webhook hears it", async () => {
    for (let i = 0; i < 6; i++) expect((await call("everything_echo", { message: `ok ${i}` })).result?.isError).toBeFalsy();
    const report = (await tick(node)).alerts as AlertsReport;
    expect(report).toMatchObject({ resolved: 1, open: 0, webhook: { sent: 1, failed: 0 } });
    expect(await alertsIn("open")).toEqual([]);
    expect((await alertsIn("resolved")).map((a) => a.id)).toEqual([alertId]);
    const last = deliveries.at(-1)!;
    expect(verifySignatureHeader(SECRET, last.signature, last.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(alertWebhook.parse(JSON.parse(last.body)).alert).toMatchObject({ id: alertId, state: "resolved" });
  });

  it("never shows the webhook secret in the node's output or answers", async () => {
    expect(node.output()).not.toContain(SECRET);
    expect(JSON.stringify(await json(await node.admin("GET", "/alerts?state=all")))).not.toContain(SECRET);
  });
});
