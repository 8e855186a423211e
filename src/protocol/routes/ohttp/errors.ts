// Refusals of an Oblivious HTTP request at the gateway, before anything inside it is read
// (docs/protocol.md §13.6). The body is the same JSON shape as every other refusal (§9).

export const GATEWAY_REFUSALS = {
  /** Not a message/ohttp-req, shorter than its header, or over the body limit of its kind. */
  malformed: 400,
  too_large: 413,
  /** A key id that names no current or overlapping key of this node (fetch the card again). */
  unknown_key: 400,
  /** A KEM, KDF or AEAD other than X-Wing, HKDF-SHA256 and AES-256-GCM. */
  unsupported_suite: 400,
  /** The ciphertext does not open with the key the header names. */
  decrypt_failed: 400,
  /** This request was already received (its encapsulated key was seen). */
  replayed: 409,
  /** This node does not offer the role (ROUTES_OFFER). */
  not_offered: 404,
  rate_limited: 429,
} as const;

export type GatewayRefusal = keyof typeof GATEWAY_REFUSALS;

export class GatewayError extends Error {
  override name = "GatewayError";
  constructor(
    readonly code: GatewayRefusal,
    message: string,
  ) {
    super(message);
  }

  get status(): (typeof GATEWAY_REFUSALS)[GatewayRefusal] {
    return GATEWAY_REFUSALS[this.code];
  }

  toJSON() {
    return { error: { code: this.code, message: this.message } };
  }
}
