// Structured log lines. Callers pass only fields that are safe to keep: never tokens, headers,
// arguments or upstream error bodies that might echo them. Strings are redacted all the same.
import { redact } from "../../secrets/redaction.ts";

export type LogFields = Record<string, string | number | boolean | null | undefined>;

function line(level: string, event: string, fields: LogFields): string {
  const safe = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === "string" ? redact(v) : v]));
  return JSON.stringify({ t: new Date().toISOString(), level, event, ...safe });
}

export const log = {
  info: (event: string, fields: LogFields = {}) => console.log(line("info", event, fields)),
  warn: (event: string, fields: LogFields = {}) => console.warn(line("warn", event, fields)),
  error: (event: string, fields: LogFields = {}) => console.error(line("error", event, fields)),
};
