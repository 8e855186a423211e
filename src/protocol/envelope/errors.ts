// Why an envelope was refused. Every refusal has a code a peer can act on and an HTTP status;
// none of them changes anything on the receiving node.
import { CodedRefusal } from "../refusal/coded-refusal.ts";

export const ENVELOPE_ERRORS = {
  too_large: 413,
  malformed: 400,
  unsupported_version: 400,
  unsupported_suite: 400,
  downgrade: 400,
  bad_card: 400,
  unknown_sender: 401,
  pending_sender: 403,
  blocked_sender: 403,
  bad_signature: 401,
  wrong_recipient: 400,
  wrong_endpoint: 400,
  unknown_key: 400,
  expired: 401,
  not_yet_valid: 401,
  replayed: 409,
  decrypt_failed: 400,
  rate_limited: 429,
} as const;

export type EnvelopeErrorCode = keyof typeof ENVELOPE_ERRORS;

export class EnvelopeError extends CodedRefusal<typeof ENVELOPE_ERRORS> {
  override name = "EnvelopeError";

  protected get table(): typeof ENVELOPE_ERRORS {
    return ENVELOPE_ERRORS;
  }
}
