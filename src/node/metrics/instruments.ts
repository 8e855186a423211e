// What the node's parts report, turned into metrics: the hooks assemble.ts hands them. The
// reports are taken by shape, so that this folder imports none of the parts it counts.
import { decodeHlc } from "../../protocol/registry/hlc.ts";
import { METRICS } from "./definitions.ts";
import type { MetricsRecorder } from "./recorder.ts";

/** Entries a peer sent: how many came in, why some were refused, how old the admitted ones were. */
export interface ReceivedEntries {
  outcomes: Record<string, number>;
  rejected: { reason: string }[];
  stored: { signed: { hlc: string } }[];
}

export function countReceivedEntries(m: MetricsRecorder, report: ReceivedEntries, nowMs: number): void {
  const total = Object.values(report.outcomes).reduce((a, b) => a + b, 0) + report.rejected.length;
  if (total > 0) m.count(METRICS.gossipEntries, { direction: "in" }, total);
  for (const r of report.rejected) m.count(METRICS.gossipRejections, { reason: r.reason });
  for (const e of report.stored) m.observe(METRICS.gossipLag, {}, nowMs - decodeHlc(e.signed.hlc).wall);
}

export function countSentEntries(m: MetricsRecorder, entries: number): void {
  if (entries > 0) m.count(METRICS.gossipEntries, { direction: "out" }, entries);
}

/** A ledger record's fate; a disputed one is also counted as a dispute. */
export function countLedgerRecord(m: MetricsRecorder, outcome: string): void {
  m.count(METRICS.ledgerRecords, { status: outcome });
  if (outcome === "disputed") m.count(METRICS.ledgerDisputes, {});
}
