// Signing a card: the composite signature over the card's RFC 8785 canonical form without `sig`.
import canonicalize from "canonicalize";
import { toBase64url, utf8 } from "../encoding/bytes.ts";
import type { CompositeSigner } from "../identity/composite.ts";
import { CARD_CONTEXT, type Card, type UnsignedCard } from "./schema.ts";

/** The bytes a card's signature covers. */
export function cardSigningInput(card: UnsignedCard): Uint8Array {
  return utf8(canonicalize(card)!);
}

export async function signCard(card: UnsignedCard, signer: CompositeSigner): Promise<Card> {
  const sig = await signer.sign(cardSigningInput(card), CARD_CONTEXT);
  return { ...card, sig: toBase64url(sig) };
}
