// Verifying a card read from the network. Each way a card can be wrong has its own reason, so an
// operator (or a test) sees why a peer was refused.
import { fromBase64url } from "../encoding/bytes.ts";
import { COMPOSITE_ALG, type CompositeVerifier } from "../identity/composite.ts";
import { encryptionKey, signingKey } from "../identity/imported.ts";
import { XWING_ALG } from "../identity/xwing.ts";
import { keyId, nodeIdOf } from "../identity/keys.ts";
import type { Primitives } from "../identity/primitives.ts";
import { RotationError, verifyChain } from "../identity/rotation.ts";
import { CARD_CONTEXT, cardSchema, type Card } from "./schema.ts";
import { cardSigningInput } from "./sign.ts";

export type CardRejection =
  | "malformed"
  | "bad_key"
  | "kid_mismatch"
  | "id_mismatch"
  | "bad_rotation"
  | "bad_signature"
  | "expired"
  | "not_yet_valid";

export class CardError extends Error {
  override name = "CardError";
  constructor(
    readonly reason: CardRejection,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifiedCard {
  card: Card;
  /** Verifies the node's signatures (keys.sig). */
  verifier: CompositeVerifier;
  /** Every signing key from the first to keys.sig, base64url: a later card must extend this chain. */
  signingKeys: string[];
}

export interface VerifyOptions {
  primitives: Primitives;
  /** Seconds since the epoch. */
  now: number;
  /** Clock difference tolerated on iat and exp, in seconds. */
  skew: number;
}

/**
 * Checks, in order: shape, key ids, that each key imports, that the node id names the first
 * signing key (through the rotation chain), the signature, then the validity period.
 */
export async function verifyCard(raw: unknown, o: VerifyOptions): Promise<VerifiedCard> {
  const parsed = cardSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new CardError("malformed", `card ${first.path.join(".") || "(root)"}: ${first.message}`);
  }
  const card = parsed.data;
  const { sig: _sig, ...unsigned } = card;
  if (card.exp <= card.iat) throw new CardError("malformed", "card exp is not after iat");

  const sigPub = decode(card.keys.sig.pub, "keys.sig.pub");
  if ((await keyId(COMPOSITE_ALG, sigPub)) !== card.keys.sig.kid) throw new CardError("kid_mismatch", "keys.sig.kid is not the thumbprint of keys.sig.pub");
  for (const k of card.keys.kem) {
    if ((await keyId(XWING_ALG, decode(k.pub, "keys.kem.pub"))) !== k.kid) throw new CardError("kid_mismatch", `kem key ${k.kid} is not the thumbprint of its public key`);
  }
  let verifier: CompositeVerifier;
  try {
    verifier = await signingKey(o.primitives, card.keys.sig.pub);
    await Promise.all(card.keys.kem.map((k) => encryptionKey(o.primitives, k.pub)));
  } catch (err) {
    throw new CardError("bad_key", `a public key in the card is invalid: ${err instanceof Error ? err.message : String(err)}`);
  }

  if (card.rotations?.length) {
    try {
      await verifyChain(o.primitives, card.id, card.rotations, sigPub);
    } catch (err) {
      if (err instanceof RotationError) throw new CardError("bad_rotation", err.message);
      throw err;
    }
  } else if ((await nodeIdOf(sigPub)) !== card.id) {
    throw new CardError("id_mismatch", "the node id is not the thumbprint of the card's signing key");
  }

  if (!(await verifier.verify(decode(card.sig, "sig"), cardSigningInput(unsigned), CARD_CONTEXT))) {
    throw new CardError("bad_signature", "the card's signature does not verify");
  }
  if (card.iat > o.now + o.skew) throw new CardError("not_yet_valid", "the card was issued in the future");
  if (card.exp < o.now - o.skew) throw new CardError("expired", "the card has expired");
  return { card, verifier, signingKeys: [...card.rotations?.map((r) => r.prev) ?? [], card.keys.sig.pub] };
}

function decode(s: string, field: string): Uint8Array {
  try {
    return fromBase64url(s);
  } catch {
    throw new CardError("malformed", `card ${field} is not canonical base64url`);
  }
}

/** Whether a newer card is the same node: same id, and its signing-key chain includes the key we knew. */
export function continuesCard(known: Card, fresh: VerifiedCard): boolean {
  return fresh.card.id === known.id && fresh.signingKeys.includes(known.keys.sig.pub);
}
