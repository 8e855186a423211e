// Private-route messages padded to fixed sizes (docs/protocol.md §13.3.1). The padding is zero
// bytes after the Binary HTTP message (RFC 9292 §3.8), inside the HPKE plaintext, so the AEAD
// authenticates it and only the sender can choose it; an observer learns the bucket, not the length.
// The buckets are the onion payload's (§14.1), continued by fours: a padded request fills an onion
// payload after its length prefix, a padded response the exit's reply, so one bucket list serves
// both routes and the gateway cannot tell them apart by size.
import { CodedRefusal } from "../../refusal/coded-refusal.ts";
import { ONION_BUCKETS, ONION_LENGTH_BYTES, ONION_MAC_BYTES } from "../onion/sizes.ts";

export const OHTTP_BUCKETS = [...ONION_BUCKETS, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864] as const;

export type OhttpMessageKind = "request" | "response";

/** How far under its bucket each kind ends: the onion's length prefix; also its MAC and the exit's tag byte. */
const SHORT_OF_BUCKET: Readonly<Record<OhttpMessageKind, number>> = {
  request: ONION_LENGTH_BYTES,
  response: ONION_LENGTH_BYTES + ONION_MAC_BYTES + 1,
};

/** The padded lengths on the wire of one kind, smallest first. */
export function paddedLengths(kind: OhttpMessageKind): number[] {
  return OHTTP_BUCKETS.map((b) => b - SHORT_OF_BUCKET[kind]);
}

export const PADDING_REFUSALS = {
  /** An encapsulated message whose length is no bucket's, or whose padding holds a non-zero byte. */
  bad_padding: 400,
} as const;

export class PaddingError extends CodedRefusal<typeof PADDING_REFUSALS> {
  override name = "PaddingError";

  protected get table(): typeof PADDING_REFUSALS {
    return PADDING_REFUSALS;
  }
}

/**
 * The plaintext padded with zero bytes so that, sealed with `overhead` bytes around it, it makes
 * the smallest padded length of its kind that holds it.
 */
export function padPlaintext(kind: OhttpMessageKind, plaintext: Uint8Array, overhead: number): Uint8Array {
  const length = paddedLengths(kind).find((l) => l >= plaintext.length + overhead);
  if (length === undefined) throw new PaddingError("bad_padding", `a ${kind} of ${plaintext.length} bytes fits no bucket`);
  const out = new Uint8Array(length - overhead);
  out.set(plaintext);
  return out;
}

/** Whether an encapsulated message of `length` bytes has a padded length of its kind. */
export function isPaddedLength(kind: OhttpMessageKind, length: number): boolean {
  return paddedLengths(kind).includes(length);
}
