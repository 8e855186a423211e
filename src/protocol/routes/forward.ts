// The forwarded route (docs/protocol.md §12). A sends B, its peer, a `forward` message carrying an
// envelope A sealed and signed to C (a node B peers with and A does not) and A's card; B checks
// what it can without opening the envelope, and hands the same bytes and card to C in a
// `forwarded` message. C opens the envelope as from A, and its answer, sealed to A's envelope,
// streams back through B unchanged.
import { CodedRefusal } from "../refusal/coded-refusal.ts";
import { z } from "zod";
import { fromBase64url } from "../encoding/bytes.ts";
import type { CompositeVerifier } from "../identity/composite.ts";
import { NODE_ID } from "../identity/keys.ts";
import { EnvelopeError } from "../envelope/errors.ts";
import { decode, ENVELOPE_CONTEXT, type Header } from "../envelope/wire.ts";
import { signedIntent } from "../ledger/record.ts";
import { federationPath } from "../messages/federation.ts";
import { ROLE_FEATURES } from "./roles.ts";

export const FORWARD_FEATURE = ROLE_FEATURES.forward;

/**
 * The endpoints at C a forwarded envelope may be bound to: a forwarder passes nothing else on.
 * `countersigned` carries A's countersignatures of C's records to C, which is not A's peer (§12.5);
 * `token-sale` buys C's payment tokens (§15.3), paid by a record of A's and C's own.
 */
export const FORWARDED_MESSAGES = ["call", "countersigned", "token-sale"] as const;

/** The envelopes a forwarder's fee is paid for (§12.5): calls; countersignatures and token sales pass free. */
export const FEE_PAID_MESSAGES = ["call"] as const;

/** Base64url of at most this many bytes of envelope (4/3 of it in characters). */
export const MAX_FORWARDED_ENVELOPE_BYTES = 1024 * 1024;
const envelopeText = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, "must be base64url")
  .max(Math.ceil((MAX_FORWARDED_ENVELOPE_BYTES * 4) / 3));

/** A → B: pass this envelope on to `to`. The card is A's own, for C to verify A with; A leaves it out when C is its peer. */
export const forwardRequest = z.strictObject({
  type: z.literal("forward"),
  to: z.string().regex(NODE_ID),
  envelope: envelopeText,
  card: z.unknown().optional(),
  /** A's signed intent paying the forwarder's fee (§12.5); only to a forwarder whose card names one. */
  fee: signedIntent.optional(),
});
export type ForwardRequest = z.infer<typeof forwardRequest>;

/** B → C: an envelope from A, passed on unchanged, with A's card. */
export const forwardedRequest = z.strictObject({
  type: z.literal("forwarded"),
  envelope: envelopeText,
  card: z.unknown().optional(),
});
export type ForwardedRequest = z.infer<typeof forwardedRequest>;

/** The refusals of the forwarded route (§12.4), with the HTTP status a plain refusal carries. */
export const FORWARD_ERRORS = {
  /** The forwarder does not offer the role: it forwards nothing. */
  route_not_offered: 403,
  /** The forwarded envelope fails a check the forwarder makes without opening it. */
  forward_refused: 400,
  /** The forwarder holds the sender in quarantine (issue 14): it forwards nothing of it. */
  quarantined: 403,
  /** The node to forward to is not an active peer of the forwarder. */
  unknown_destination: 404,
  /** The forwarder could not deliver the envelope. */
  destination_unreachable: 502,
  /** The forwarder charges a fee and the message pays none, another amount, or with an intent that fails its checks. */
  fee_refused: 402,
  /** The destination's policy for callers that are not its peers (FORWARDED_CALLERS, its tier, quarantine) refuses this one. */
  caller_refused: 403,
} as const;
export type ForwardErrorCode = keyof typeof FORWARD_ERRORS;

export class ForwardError extends CodedRefusal<typeof FORWARD_ERRORS> {
  override name = "ForwardError";

  protected get table(): typeof FORWARD_ERRORS {
    return FORWARD_ERRORS;
  }
}

export interface ForwardCheck {
  /** The forwarder's peer that sent the `forward` message: the envelope must be its own. */
  from: string;
  /** The node the message names: the envelope must be addressed to it. */
  to: string;
  /** The sender's signing key, as the forwarder holds it. */
  verifier: CompositeVerifier;
  /** Seconds since the epoch, and the clock difference tolerated. */
  now: number;
  skew: number;
  maxBytes: number;
}

/**
 * The checks a forwarder makes of a forwarded envelope, cheapest first, without decrypting it:
 * framing and size, sender and recipient as the message says, an endpoint a forwarder passes on,
 * the time window, then the sender's signature. Returns the header; throws ForwardError.
 */
export async function checkForwardable(envelope: string, c: ForwardCheck): Promise<Header> {
  let env;
  try {
    env = decode(fromBase64url(envelope), c.maxBytes);
  } catch (err) {
    if (err instanceof EnvelopeError) throw new ForwardError("forward_refused", `the envelope: ${err.message}`);
    throw new ForwardError("forward_refused", "the envelope is not base64url");
  }
  const { header } = env;
  if (header.from !== c.from) throw new ForwardError("forward_refused", "the envelope is not the sender's own");
  if (header.to !== c.to) throw new ForwardError("forward_refused", `the envelope is addressed to ${header.to}, not ${c.to}`);
  if (!FORWARDED_MESSAGES.some((m) => federationPath(header.v, m) === header.path)) throw new ForwardError("forward_refused", `${header.path} is not an endpoint a forwarder passes on`);
  if (header.iat > c.now + c.skew || header.exp < c.now - c.skew) throw new ForwardError("forward_refused", "the envelope is outside its time window");
  if (!(await c.verifier.verify(env.sig, env.signed, ENVELOPE_CONTEXT))) throw new ForwardError("forward_refused", "the envelope's signature does not verify with the sender's key");
  return header;
}
