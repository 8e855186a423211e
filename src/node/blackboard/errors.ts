// The typed refusals of blackboard requests. Every one leaves the blackboard as it was.

export const BLACKBOARD_ERROR_CODES = [
  /** The namespace is not known here. */
  "unknown_namespace",
  /** This node, or the writer, is not one of the namespace's replicas. */
  "not_a_replica",
  /** The request or the value breaks the protocol's rules. */
  "malformed",
  /** A value, key or delta past its bound. */
  "oversize",
  /** The op does not apply to what the key holds (e.g. a counter add on a set), or to its bounds. */
  "type_mismatch",
  /** A session token this node has not reached, and could not reach in time: ask again later. */
  "retry",
  /** A session token that is not this client's, not signed by a replica, or not for this key. */
  "bad_token",
  /** A consistency level this node does not serve for the namespace. */
  "unsupported_consistency",
  /** Strong consistency: the key's home is out of reach or has no majority behind it (`applied` says whether it surely took no effect). */
  "unavailable",
  /** A watch cursor of another generation of this node's store (it was restored since) or of before cursors carried one: watch again without it. */
  "stale_cursor",
] as const;
export type BlackboardErrorCode = (typeof BLACKBOARD_ERROR_CODES)[number];

export class BlackboardError extends Error {
  override name = "BlackboardError";
  constructor(
    readonly code: BlackboardErrorCode,
    message: string,
    /** For `unavailable`: "no" when the operation surely took no effect, "unknown" when it may have. */
    readonly applied?: "no" | "unknown",
  ) {
    super(message);
  }

  toJSON(): { code: BlackboardErrorCode; message: string; applied?: "no" | "unknown" } {
    return { code: this.code, message: this.message, ...(this.applied ? { applied: this.applied } : {}) };
  }
}
