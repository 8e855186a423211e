// The onion packet's fixed sizes (docs/protocol.md §14.1). Every packet carries a header for
// exactly three hops and a payload of one bucket size, so its length says nothing about the path
// or the call beyond the bucket.
import { XWING_ENC_BYTES } from "../../identity/xwing.ts";

export const ONION_HOPS = 3;
export const ONION_MAC_BYTES = 32;
/** Routing information for one hop: kind, delay, expiry, node id, URL, zero padding. */
export const ONION_ROUTING_BYTES = 384;
/** What each hop finds at the front of its decrypted routing block. */
export const ONION_SLOT_BYTES = ONION_ROUTING_BYTES + ONION_MAC_BYTES + XWING_ENC_BYTES;
export const ONION_BETA_BYTES = ONION_HOPS * ONION_SLOT_BYTES;
/** X-Wing ciphertext, MAC, routing block: 5 760 bytes for three hops. */
export const ONION_HEADER_BYTES = XWING_ENC_BYTES + ONION_MAC_BYTES + ONION_BETA_BYTES;
/** Payload sizes: a forward packet is the header plus one of these; its reply is exactly one. */
export const ONION_BUCKETS = [2048, 16384, 65536] as const;
export type OnionBucket = (typeof ONION_BUCKETS)[number];
/** The payload's length prefix (forward and reply) and the reply's end-to-end MAC. */
export const ONION_LENGTH_BYTES = 4;
export const ONION_MEDIA_TYPE = "application/mcpfed-onion";

/** The smallest bucket whose payload holds `contentBytes`, or undefined when none does. */
export function bucketFor(contentBytes: number, reply = false): OnionBucket | undefined {
  const overhead = ONION_LENGTH_BYTES + (reply ? ONION_MAC_BYTES : 0);
  return ONION_BUCKETS.find((b) => contentBytes + overhead <= b);
}

/** The bucket of a forward packet of `length` bytes, or undefined when it is not one. */
export function bucketOfPacket(length: number): OnionBucket | undefined {
  return ONION_BUCKETS.find((b) => b + ONION_HEADER_BYTES === length);
}
