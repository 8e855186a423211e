// The alert webhook (ALERT_WEBHOOK_URL): each alert's opening and resolving, POSTed through the
// outbound guard as the signed JSON of docs/protocol.md §21. A failed delivery is tried again on
// the next tick, up to MAX_ATTEMPTS times; the secret never leaves this module but as the MAC.
import type { Database } from "../../store/database.ts";
import { markDelivered, markDeliveryFailed, undelivered } from "../../store/alerts.ts";
import { ALERT_WEBHOOK_VERSION, SIGNATURE_HEADER, signatureHeader, type AlertWebhook } from "../../protocol/alerts/webhook.ts";
import { liveSecrets } from "../../secrets/redactor.ts";
import type { Outbound } from "../outbound/outbound.ts";
import { log } from "../logging/log.ts";
import { alertView } from "./alerts.ts";

export interface AlertWebhookTarget {
  url: string;
  secret: string;
}

export interface WebhookPorts {
  db: Database;
  outbound: Pick<Outbound, "request">;
  nodeId: string;
  webhook: AlertWebhookTarget | undefined;
}

export const MAX_ATTEMPTS = 5;
/** Deliveries per tick: a backlog drains over several ticks. */
const PER_TICK = 20;
const TIMEOUT_MS = 10_000;

export interface WebhookTickReport {
  sent: number;
  failed: number;
}

/** Sends the alerts whose current state the receiver has not taken; never throws. */
export async function deliverAlerts(p: WebhookPorts, nowMs: number): Promise<WebhookTickReport> {
  const report = { sent: 0, failed: 0 };
  if (!p.webhook) return report;
  const { url, secret } = p.webhook;
  liveSecrets.add(secret);
  for (const row of await undelivered(p.db, MAX_ATTEMPTS, PER_TICK)) {
    const message: AlertWebhook = { type: "alert", version: ALERT_WEBHOOK_VERSION, node: p.nodeId, alert: alertView(row) };
    const body = JSON.stringify(message);
    try {
      const res = await p.outbound.request(url, { method: "POST", headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signatureHeader(secret, Math.floor(nowMs / 1000), body) }, body }, TIMEOUT_MS);
      void res.body?.cancel().catch(() => {});
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      await markDelivered(p.db, row.id, row.state);
      report.sent++;
    } catch (err) {
      await markDeliveryFailed(p.db, row.id);
      report.failed++;
      // The origin only: a webhook URL may carry a token in its path or query.
      log.warn("alerts.webhook_failed", { alert: row.id, to: new URL(url).origin, attempt: row.deliveryAttempts + 1, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return report;
}
