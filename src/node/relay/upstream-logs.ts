// Which of an upstream's log messages a relayed call passes on to its consumer: those at the
// consumer's level or above, with secrets redacted, and none larger than a log frame may carry.
import { LOG_LEVELS, logFrame, type LogFrame, type LogLevel } from "../../protocol/messages/relay.ts";
import { liveSecrets } from "../../secrets/redactor.ts";

export type LogEntry = Omit<LogFrame, "type" | "seq">;

/** The entry to send for an upstream's notifications/message params, or undefined to drop it. */
export function logEntryFor(params: Record<string, unknown>, least: LogLevel): LogEntry | undefined {
  const candidate = liveSecrets.redactJson({ type: "log", seq: 0, level: params.level, ...(typeof params.logger === "string" ? { logger: params.logger } : {}), data: params.data });
  // The frame's own schema decides: an unknown level, missing data or oversized data is dropped.
  const parsed = logFrame.safeParse(candidate);
  if (!parsed.success || LOG_LEVELS.indexOf(parsed.data.level) < LOG_LEVELS.indexOf(least)) return undefined;
  const { type: _t, seq: _s, ...entry } = parsed.data;
  return entry;
}
