// The alert webhook's vectors (docs/protocol.md §21, test/vectors/alerts/webhook.json): messages
// the schema takes and refuses, and signature headers over fixed bodies, secrets and times, with
// the verification each must get. Every expectation is checked against the code before it is written.
import { alertWebhook, SIGNATURE_TOLERANCE_SECONDS, signatureHeader, verifySignatureHeader } from "../../src/protocol/alerts/webhook.ts";
import { agree, write } from "./common.ts";

const alert = {
  id: 7,
  rule: "error-rate",
  kind: "error_rate",
  subject: "",
  severity: "warning",
  state: "open",
  summary: "60% of calls failed in the last 5 min (6 of 10; threshold 20%)",
  details: { calls: 10, errors: 6, rate: 0.6, threshold: 0.2, windowMinutes: 5 },
  openedAt: "2026-12-05T16:00:00.000Z",
  resolvedAt: null,
  acknowledgedAt: null,
};
const open = { type: "alert", version: 1, node: "n".repeat(52), alert };
const resolved = { ...open, alert: { ...alert, state: "resolved", resolvedAt: "2026-12-05T16:09:00.000Z", acknowledgedAt: "2026-12-05T16:03:00.000Z" } };
const peer = { ...open, alert: { ...alert, id: 8, rule: "peer-unreachable", kind: "peer_unreachable", subject: "p".repeat(52), summary: "peer west not heard from for 31 min", details: { peer: "p".repeat(52) } } };

const valid = [
  { name: "an alert that opened", message: open },
  { name: "an acknowledged alert that resolved", message: resolved },
  { name: "a peer's alert", message: peer },
];
const invalid = [
  { name: "another version", message: { ...open, version: 2 } },
  { name: "another type", message: { ...open, type: "event" } },
  { name: "an unknown field", message: { ...open, extra: true } },
  { name: "an alert with an unknown field", message: { ...open, alert: { ...alert, note: "x" } } },
  { name: "an unknown state", message: { ...open, alert: { ...alert, state: "firing" } } },
  { name: "an unknown kind", message: { ...open, alert: { ...alert, kind: "disk_full" } } },
  { name: "a time that is not ISO 8601", message: { ...open, alert: { ...alert, openedAt: "yesterday" } } },
  { name: "no alert", message: { type: "alert", version: 1, node: open.node } },
];
for (const m of valid) agree(m.name, true, alertWebhook.safeParse(m.message).success);
for (const m of invalid) agree(m.name, false, alertWebhook.safeParse(m.message).success);

const secret = "whsec-0123456789abcdef";
const time = 1_796_486_400;
const body = JSON.stringify(open);
const header = signatureHeader(secret, time, body);
const signatures = [
  { name: "the header the sender made", secret, header, body, now: time, valid: true },
  { name: "checked at the edge of the tolerance", secret, header, body, now: time + SIGNATURE_TOLERANCE_SECONDS, valid: true },
  { name: "checked past the tolerance (a replay)", secret, header, body, now: time + SIGNATURE_TOLERANCE_SECONDS + 1, valid: false },
  { name: "another secret", secret: "whsec-another-secret-000", header, body, now: time, valid: false },
  { name: "a body changed by one byte", secret, header, body: body.replace('"open"', '"opEn"'), now: time, valid: false },
  { name: "the time in the header changed", secret, header: header.replace(`t=${time}`, `t=${time + 1}`), body, now: time, valid: false },
  { name: "a header without the MAC", secret, header: `t=${time}`, body, now: time, valid: false },
  { name: "a MAC in upper case", secret, header: header.toUpperCase().replace("T=", "t=").replace("V1=", "v1="), body, now: time, valid: false },
];
for (const s of signatures) agree(s.name, s.valid, verifySignatureHeader(s.secret, s.header, s.body, s.now));

write("alerts/webhook.json", { valid, invalid, signatures });
