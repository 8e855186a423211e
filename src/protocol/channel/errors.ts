// Why a channel frame (or a handshake message) was refused. Like EnvelopeError: a code the peer
// acts on, an HTTP status, and nothing changed on the node that refused.
import { CodedRefusal } from "../refusal/coded-refusal.ts";

export const CHANNEL_ERRORS = {
  malformed: 400,
  unknown_channel: 401,
  wrong_endpoint: 400,
  not_yet_valid: 401,
  expired: 401,
  stale_epoch: 401,
  replayed: 409,
  decrypt_failed: 400,
} as const;

export type ChannelErrorCode = keyof typeof CHANNEL_ERRORS;

/** The codes on which the initiator drops its channel, opens a new one and sends again once. */
export const REOPEN_ON: readonly ChannelErrorCode[] = ["unknown_channel", "stale_epoch", "expired"];

export class ChannelError extends CodedRefusal<typeof CHANNEL_ERRORS> {
  override name = "ChannelError";

  protected get table(): typeof CHANNEL_ERRORS {
    return CHANNEL_ERRORS;
  }
}
