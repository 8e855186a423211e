// The last line of defence for secrets in text the node writes out (logs, error messages): every
// secret value the process holds (src/secrets/redactor.ts), then the shapes of its own credentials
// and the usual ones of others, are masked wherever they appear.
import { liveSecrets } from "./redactor.ts";

const PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, "$1 [redacted]"],
  [/\bmcpfed_[A-Za-z0-9_-]{16,}/g, "mcpfed_[redacted]"],
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, "[redacted JWT]"],
  [/\brt\.[A-Za-z0-9_-]{16,}\.\d+\.[A-Za-z0-9_-]+/g, "[redacted refresh token]"],
  [/([?&#](?:code|access_token|refresh_token|id_token|token|client_secret|api_key|apikey|key|password)=)[^&#\s"']+/gi, "$1[redacted]"],
];

export function redact(text: string): string {
  let out = liveSecrets.redact(text);
  for (const [re, to] of PATTERNS) out = out.replace(re, to);
  return out;
}
