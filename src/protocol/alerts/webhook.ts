// The alert webhook (docs/protocol.md §21): the JSON body a node POSTs when an alert opens or
// resolves, and its signature header, an HMAC-SHA256 keyed by the operator's shared secret over
// the send time and the exact body bytes, so a receiver can check both and refuse replays.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { z } from "zod";
import { bytesToHex } from "@noble/hashes/utils.js";
import { utf8 } from "../encoding/bytes.ts";

export const ALERT_WEBHOOK_VERSION = 1;
export const SIGNATURE_HEADER = "mcpfed-signature";
/** How far a receiver should let the signed time be from its own clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const isoTime = z.iso.datetime();

export const alertBody = z
  .object({
    id: z.number().int().min(1),
    rule: z.string().min(1).max(64),
    kind: z.enum(["error_rate", "peer_unreachable", "dispute", "audit_break", "definition_change"]),
    subject: z.string().max(200),
    severity: z.enum(["warning", "critical"]),
    state: z.enum(["open", "resolved"]),
    summary: z.string().max(1000),
    details: z.record(z.string(), z.unknown()),
    openedAt: isoTime,
    resolvedAt: isoTime.nullable(),
    acknowledgedAt: isoTime.nullable(),
  })
  .strict();
export type AlertBody = z.infer<typeof alertBody>;

export const alertWebhook = z
  .object({
    type: z.literal("alert"),
    version: z.literal(ALERT_WEBHOOK_VERSION),
    /** The sending node's id. */
    node: z.string().min(1).max(200),
    alert: alertBody,
  })
  .strict();
export type AlertWebhook = z.infer<typeof alertWebhook>;

function mac(secret: string, time: number, body: string): string {
  return bytesToHex(hmac(sha256, utf8(secret), utf8(`${time}.${body}`)));
}

/** The header's value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function signatureHeader(secret: string, time: number, body: string): string {
  return `t=${time},v1=${mac(secret, time, body)}`;
}

/** Whether the header signs this body with this secret, at a time within the tolerance of `now` (seconds). */
export function verifySignatureHeader(secret: string, header: string, body: string, now: number): boolean {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const time = Number(m[1]);
  if (Math.abs(now - time) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = mac(secret, time, body);
  // Constant time over equal-length hex strings.
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ m[2]!.charCodeAt(i);
  return diff === 0;
}
