// What an upstream's failure says, for the operator and the caller: the SDK's message, and the
// body of an HTTP refusal that the message leaves out (the v2 SDK keeps it in the error's data).
import { SdkHttpError } from "@modelcontextprotocol/client";

/** At most this much of a refusal's body: enough to say why, not a page. */
const MAX_BODY_CHARS = 300;

export function failureText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof SdkHttpError)) return message;
  const body = typeof err.data.text === "string" ? err.data.text.trim().slice(0, MAX_BODY_CHARS) : "";
  return body && !message.includes(body) ? `${message}: ${body}` : message;
}
