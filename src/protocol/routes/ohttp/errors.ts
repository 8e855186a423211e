// Refusals of an Oblivious HTTP request at the gateway, before anything inside it is read
// (docs/protocol.md §13.5). The body is the same JSON shape as every other refusal (§9).
import { CodedRefusal } from "../../refusal/coded-refusal.ts";

export const GATEWAY_REFUSALS = {
  /** Not a message/ohttp-req, shorter than its header, or over the body limit of its kind. */
  malformed: 400,
  too_large: 413,
  /** A key id that names no current or overlapping key of this node (fetch the card again). */
  unknown_key: 400,
  /** A length that is not a padded request's (§13.3.1). */
  bad_padding: 400,
  /** A KEM, KDF or AEAD other than X-Wing, HKDF-SHA256 and AES-256-GCM. */
  unsupported_suite: 400,
  /** The ciphertext does not open with the key the header names. */
  decrypt_failed: 400,
  /** This request was already received (its encapsulated key was seen). */
  replayed: 409,
  /** This node does not offer the role (ROUTES_OFFER). */
  route_not_offered: 403,
  rate_limited: 429,
} as const;

export type GatewayRefusal = keyof typeof GATEWAY_REFUSALS;

export class GatewayError extends CodedRefusal<typeof GATEWAY_REFUSALS> {
  override name = "GatewayError";

  protected get table(): typeof GATEWAY_REFUSALS {
    return GATEWAY_REFUSALS;
  }
}
