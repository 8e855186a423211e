// A hello's body: the sender's card, then the envelope. The receiver cannot know an unknown
// sender's keys, so the card travels in the clear (it is public anyway) ahead of the envelope
// it verifies.
//
//   u32 card length || card (UTF-8 JSON) || envelope
import { concat, u32, utf8 } from "../encoding/bytes.ts";
import type { Card } from "../card/schema.ts";
import { MAX_CARD_BYTES } from "../card/schema.ts";
import { EnvelopeError } from "../envelope/errors.ts";

export const HELLO_CONTENT_TYPE = "application/mcpfed-hello";

export function encodeHello(card: Card, envelope: Uint8Array): Uint8Array {
  const c = utf8(JSON.stringify(card));
  return concat(u32(c.length), c, envelope);
}

export function decodeHello(body: Uint8Array): { card: unknown; envelope: Uint8Array } {
  if (body.length < 4) throw new EnvelopeError("malformed", "hello truncated");
  const length = ((body[0]! << 24) >>> 0) + (body[1]! << 16) + (body[2]! << 8) + body[3]!;
  if (length > MAX_CARD_BYTES) throw new EnvelopeError("too_large", `card of ${length} bytes exceeds ${MAX_CARD_BYTES}`);
  if (4 + length > body.length) throw new EnvelopeError("malformed", "hello truncated in the card");
  let card: unknown;
  try {
    card = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body.subarray(4, 4 + length)));
  } catch {
    throw new EnvelopeError("bad_card", "the hello's card is not UTF-8 JSON");
  }
  return { card, envelope: body.subarray(4 + length) };
}
