// What the exit puts in the reply (§14.6): the gateway's answer (an OHTTP response, opaque to the
// exit), or the exit's own typed refusal when it could not get one, or, on the forward exchange of
// a call answered by a reply block, the acknowledgement that the exit took it. One tag byte, then the body.
import { z } from "zod";
import { concat, utf8 } from "../../encoding/bytes.ts";

export const EXIT_ERROR_CODES = ["gateway_unknown", "gateway_unreachable", "gateway_refused", "reply_too_large", "surb_unusable"] as const;
export const exitError = z.object({ code: z.enum(EXIT_ERROR_CODES), message: z.string().max(1024) }).strict();
export type ExitError = z.infer<typeof exitError>;

export type ExitAnswer = { response: Uint8Array } | { error: ExitError } | { accepted: true };

const RESPONSE = 0;
const ERROR = 1;
const ACCEPTED = 2;

export function encodeExitAnswer(a: ExitAnswer): Uint8Array {
  if ("accepted" in a) return Uint8Array.of(ACCEPTED);
  return "response" in a ? concat(Uint8Array.of(RESPONSE), a.response) : concat(Uint8Array.of(ERROR), utf8(JSON.stringify(exitError.parse(a.error))));
}

/** Undefined when the bytes are neither form. */
export function decodeExitAnswer(bytes: Uint8Array): ExitAnswer | undefined {
  if (bytes[0] === RESPONSE) return { response: bytes.slice(1) };
  if (bytes[0] === ACCEPTED) return bytes.length === 1 ? { accepted: true } : undefined;
  if (bytes[0] !== ERROR) return undefined;
  try {
    const parsed = exitError.safeParse(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(1))));
    return parsed.success ? { error: parsed.data } : undefined;
  } catch {
    return undefined;
  }
}
