// The operator's own warnings: a signed warning entry that peers weigh by their trust in this node
// (src/node/trust/warnings.ts), published beside a local quarantine and withdrawn with its release.
import type { Entry, Visibility } from "../../protocol/registry/entry.ts";
import type { WarningBody } from "../../protocol/registry/trust-entries.ts";
import { expiryAfter, publishTrust, withdrawTrust, type TrustPublishPort } from "./publish.ts";

export interface WarningInput {
  reason: WarningBody["reason"];
  text?: string | undefined;
  records?: string[] | undefined;
  /** Whole days from now until it expires. */
  days: number;
  visibility: Visibility;
}

export function warn(s: TrustPublishPort, subject: string, w: WarningInput): Promise<Entry[]> {
  const body: WarningBody = {
    subject,
    reason: w.reason,
    ...(w.text ? { text: w.text } : {}),
    ...(w.records ? { records: w.records } : {}),
    expiresAt: expiryAfter(w.days),
  };
  return publishTrust(s, "warning", body, w.visibility);
}

/** Tombstones this node's warning of `subject` wherever it went; none when it had none. */
export function withdrawWarning(s: TrustPublishPort, subject: string): Promise<Entry[]> {
  return withdrawTrust(s, "warning", subject);
}
