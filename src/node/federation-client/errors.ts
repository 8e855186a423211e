// How a request to a peer fails: one error, with a code that says whether the peer refused it
// (and with which code) or what went wrong on the way.
import type { EnvelopeErrorCode } from "../../protocol/envelope/errors.ts";
import type { AnswerErrorCode } from "../../protocol/messages/federation.ts";

/** What this node saw go wrong, when the peer gave no code of its own. */
export type TransportFailure =
  | "unreachable"
  /** The peer answered, but not with anything this node can read. */
  | "bad_answer"
  /** The peer's card could not be read again, or now names another node. */
  | "bad_card"
  /** The node is not an active peer. */
  | "not_allowed"
  /** A relayed call answered without a call stream and without an envelope refusal. */
  | "refused"
  /** A relayed call's answer broke off after it was delivered. */
  | "lost"
  | "timeout"
  | "cancelled";

/** The code of a failed request: this node's, an envelope refusal's, or whatever a sealed answer's error said. */
export type PeerRequestCode = TransportFailure | EnvelopeErrorCode | AnswerErrorCode | (string & {});

export class PeerRequestError extends Error {
  override name = "PeerRequestError";
  constructor(
    readonly code: PeerRequestCode,
    message: string,
    /**
     * For a relayed call, whether the provider may have run it. Absent when the call was never
     * sent because the provider's card could not be refreshed first.
     */
    readonly delivered?: boolean,
  ) {
    super(message);
  }
}

/**
 * A refusal the node sent sealed, after it opened the request: its keys are not in question. On
 * the forwarded route it is the forwarder's, or the destination's passed on (docs/protocol.md §12).
 */
export class SealedRefusal extends PeerRequestError {
  override name = "SealedRefusal";
}
