// The registry's signer and verifier on this node's composite signature: the local identity signs
// its own entries; an origin's key is the signing key of its card — a peer's stored card, or one
// learned from the peer that relayed the entry (src/node/peers/origin-cards.ts); and the check of the
// card a public node publishes as its node entry.
import type { Card } from "../../protocol/card/schema.ts";
import { CardError, verifyCard } from "../../protocol/card/verify.ts";
import { toBase64url } from "../../protocol/encoding/bytes.ts";
import { signingKey } from "../../protocol/identity/imported.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Primitives } from "../../protocol/identity/primitives.ts";
import { log } from "../logging/log.ts";
import type { LedgerSigner, LedgerVerifier } from "../../protocol/ledger/signing.ts";

/** Signs as this node: composite, or (the ledger's checkpoint suite) with the key's Ed25519 half alone. */
export function identitySigner(identity: LocalIdentity): LedgerSigner {
  const key = identity.signing.signer;
  return { nodeId: identity.nodeId, sign: (message, context) => key.sign(message, context), signEd25519: (message, context) => key.signEd25519(message, context) };
}

export interface CardSource {
  known(nodeId: string): Promise<Card | undefined>;
  /** Asks the peer `via` for the card; undefined when it has none that verifies. */
  learn(nodeId: string, via: string): Promise<Card | undefined>;
}

export function cardKeys(identity: LocalIdentity, cards: CardSource): LedgerVerifier {
  // A message carries many entries of one origin: they share one question to the relay.
  const asking = new Map<string, Promise<Card | undefined>>();
  const learn = (origin: string, via: string) => {
    const id = `${origin} ${via}`;
    let p = asking.get(id);
    if (!p) {
      p = cards.learn(origin, via).catch((err: unknown) => {
        log.warn("registry.card_unavailable", { origin, via, error: String(err) });
        return undefined;
      });
      asking.set(id, p);
      void p.finally(() => asking.delete(id));
    }
    return p;
  };
  return {
    async keyOf(origin, via) {
      const card = (await cards.known(origin)) ?? (via === undefined || via === origin ? undefined : await learn(origin, via));
      if (!card) return undefined;
      const key = await signingKey(identity.primitives, card.keys.sig.pub);
      return { verify: (message, signature, context) => key.verify(signature, message, context), verifyEd25519: (message, signature, context) => key.verifyEd25519(signature, message, context) };
    },
  };
}

/**
 * cardKeys, and this node's own key as well: a ledger record carries both parties' signatures, and
 * this node checks its own as it checks the peer's.
 */
export function selfAndCardKeys(identity: LocalIdentity, cards: CardSource): LedgerVerifier {
  const others = cardKeys(identity, cards);
  const pub = toBase64url(identity.signing.signer.publicKey);
  return {
    async keyOf(origin, via) {
      if (origin !== identity.nodeId) return others.keyOf(origin, via);
      const key = await signingKey(identity.primitives, pub);
      return { verify: (message, signature, context) => key.verify(signature, message, context), verifyEd25519: (message, signature, context) => key.verifyEd25519(signature, message, context) };
    },
  };
}

/** The check a node entry's card passes: a card that verifies on its own, of the entry's origin. */
export function cardChecker(o: { primitives: Primitives; skew: number; now: () => number }): (card: Card, origin: string) => Promise<string | undefined> {
  return async (card, origin) => {
    try {
      const verified = await verifyCard(card, { primitives: o.primitives, now: o.now(), skew: o.skew });
      return verified.card.id === origin ? undefined : "it is another node's card";
    } catch (err) {
      if (err instanceof CardError) return `${err.message} (${err.reason})`;
      throw err;
    }
  };
}
