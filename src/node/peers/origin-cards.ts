// Cards of nodes further away than a peer. A public entry reaches this node through peers from
// an origin it never met; to verify the entry, it asks the peer that relayed it for the origin's
// card. The card proves its own id (its key hashes to it), so the relay need not be trusted.
import type { z } from "zod";
import type { Card } from "../../protocol/card/schema.ts";
import { CardError, continuesCard, verifyCard } from "../../protocol/card/verify.ts";
import { cardsRequest, cardsResult, MAX_CARDS_ASKED } from "../../protocol/messages/federation.ts";
import type { FederationClient } from "../federation-client/client.ts";
import type { LocalIdentity } from "../identity/local.ts";
import type { Config } from "../settings/config.ts";
import type { Database } from "../../store/database.ts";
import { heldCards, originCard, saveOriginCard } from "../../store/origin-cards.ts";
import { getPeer } from "../../store/peers.ts";

/** What learning cards needs of the node. */
export interface OriginCardsPort {
  db: Database;
  identity: () => Promise<LocalIdentity>;
  now: () => number;
  config: Pick<Config, "clockSkewSeconds">;
  federation: FederationClient;
}

/** The card this node holds for `nodeId`: its peer's, else one learned from a relay. */
export async function knownCard(s: { db: Database }, nodeId: string): Promise<Card | undefined> {
  const peer = await getPeer(s.db, nodeId);
  if (peer) return peer.card;
  return originCard(s.db, nodeId);
}

/** The receiving side of a cards message: whichever of those cards this node holds. */
export async function answerCards(s: { db: Database }, request: z.infer<typeof cardsRequest>): Promise<z.infer<typeof cardsResult>> {
  return { type: "cards", cards: (await heldCards(s.db, request.ids)).slice(0, MAX_CARDS_ASKED) };
}

/**
 * Asks the active peer `via` for the card of `nodeId` and stores it if it verifies as that node's
 * (and, when a card is held already, descends from it). Returns the card, or undefined.
 */
export async function learnCard(s: OriginCardsPort, nodeId: string, via: string): Promise<Card | undefined> {
  const peer = await getPeer(s.db, via);
  if (peer?.state !== "active") return undefined;
  const { cards } = await s.federation.call(peer, "cards", { type: "cards", ids: [nodeId] } satisfies z.infer<typeof cardsRequest>, cardsResult);
  const identity = await s.identity();
  for (const raw of cards) {
    let verified;
    try {
      verified = await verifyCard(raw, { primitives: identity.primitives, now: s.now(), skew: s.config.clockSkewSeconds });
    } catch (err) {
      if (err instanceof CardError) continue;
      throw err;
    }
    if (verified.card.id !== nodeId) continue;
    const held = await knownCard(s, nodeId);
    if (held && !continuesCard(held, verified)) continue;
    await saveOriginCard(s.db, nodeId, verified.card, via);
    return verified.card;
  }
  return undefined;
}
