// The invocation log: one row per tools/call. Rows are buffered for a moment and written together:
// on embedded libSQL every statement runs on the event loop, so one insert per call would sit on
// the hot path even when deferred.
import type { AuditTrail } from "../access/audit/audit-trail.ts";
import type { Caller } from "../access/principals/caller.ts";
import { log } from "../logging/log.ts";
import type { Config } from "../settings/config.ts";
import type { Database } from "../../store/database.ts";
import { METRICS } from "../metrics/definitions.ts";
import type { MetricsRecorder } from "../metrics/recorder.ts";
import { invocations } from "../../store/schema/index.ts";
import { filteredInvocations, insertInvocations, recentInvocations as recentRows, type Invocation, type InvocationFilter } from "../../store/invocations.ts";

export type Outcome = Invocation["outcome"];

/** Every outcome a row can record, as the schema lists them. */
export const OUTCOMES = invocations.outcome.enumValues;

const FLUSH_AFTER_MS = 20;

export class InvocationLog {
  #rows: Invocation[] = [];
  #flushing: Promise<void> | undefined;

  constructor(private readonly db: Database) {}

  /**
   * Queues a row. The first row of a batch schedules the write and hands it to `defer`, so on
   * Workers the write lives within that request's waitUntil, and elsewhere the node awaits it
   * before it shuts down.
   */
  append(row: Invocation, defer: (work: Promise<unknown>) => void): void {
    this.#rows.push(row);
    if (this.#flushing) return;
    this.#flushing = new Promise((r) => setTimeout(r, FLUSH_AFTER_MS)).then(() => this.#write());
    defer(this.#flushing);
  }

  async #write(): Promise<void> {
    const rows = this.#rows;
    this.#rows = [];
    this.#flushing = undefined;
    try {
      await insertInvocations(this.db, rows);
    } catch (err) {
      log.error("invocation.log_failed", { rows: rows.length, error: String(err) });
    }
  }

  /** The latest rows, newest first. */
  recent(limit: number) {
    return recentRows(this.db, limit);
  }

  /** One page of rows matching `filter`, newest first. */
  page(filter: InvocationFilter, limit: number) {
    return filteredInvocations(this.db, filter, limit);
  }
}

export interface FinishedCall {
  at: number;
  toolId: string;
  calledAs: string;
  /** The upstream that ran it, or `peer:<node id>` for a relayed call. */
  upstream: string;
  durationMs: number;
  outcome: Outcome;
  error: string | null;
  arguments: Record<string, unknown> | undefined;
  /** Why policy let it through. */
  authorization: string;
  /** More for the audit entry (a relayed call's provider and record). */
  details?: Record<string, unknown>;
}

/** What recording a call needs. */
export interface CallRecording {
  config: Pick<Config, "logArguments">;
  invocations: InvocationLog;
  access: { audit: Pick<AuditTrail, "append"> };
  metrics: Pick<MetricsRecorder, "count" | "observe">;
}

const PEER_UPSTREAM = "peer:";

/** The call's counts, its latency and, for a relayed call, the consumer's hop. */
function countCall(m: CallRecording["metrics"], c: FinishedCall): void {
  const peer = c.upstream.startsWith(PEER_UPSTREAM) ? c.upstream.slice(PEER_UPSTREAM.length) : "";
  m.count(METRICS.calls, { tool: c.calledAs, peer, outcome: c.outcome });
  m.observe(METRICS.callDuration, { tool: c.calledAs, peer }, c.durationMs);
  if (peer) m.count(METRICS.relayHops, { role: "consumer", outcome: c.outcome });
}

/** One row in the invocation log and one audit entry per call, arguments only if the operator opted in. */
export function recordCall(s: CallRecording, caller: Caller, c: FinishedCall): void {
  countCall(s.metrics, c);
  const args = s.config.logArguments ? { arguments: c.arguments ?? null } : {};
  s.invocations.append(
    {
      at: c.at,
      caller: caller.id,
      toolId: c.toolId,
      toolName: c.calledAs,
      upstream: c.upstream,
      durationMs: c.durationMs,
      outcome: c.outcome,
      error: c.error,
      arguments: s.config.logArguments ? (c.arguments ?? null) : null,
    },
    caller.defer,
  );
  caller.defer(
    s.access.audit.append({
      actor: caller.id,
      action: "tool.call",
      target: c.toolId,
      decision: "allow",
      reason: c.authorization,
      details: { calledAs: c.calledAs, ...c.details, outcome: c.outcome, durationMs: c.durationMs, ...(c.error ? { error: c.error } : {}), ...args },
    }),
  );
}
