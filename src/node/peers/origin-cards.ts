// Cards of nodes further away than a peer. A public entry reaches this node through peers from
// an origin it never met; to verify the entry, it asks the peer that relayed it for the origin's
// card. The card proves its own id (its key hashes to it), so the relay need not be trusted.
import { eq, inArray } from "drizzle-orm";
import type { z } from "zod";
import type { Card } from "../../protocol/card/schema.ts";
import { CardError, continuesCard, verifyCard } from "../../protocol/card/verify.ts";
import { cardsRequest, cardsResult, MAX_CARDS_ASKED } from "../../protocol/messages/federation.ts";
import type { Services } from "../services.ts";
import { originCards, peers } from "../../store/schema/index.ts";
import { callPeer } from "../federation-client/calls.ts";
import { getPeer } from "../../store/peers.ts";

/** The card this node holds for `nodeId`: its peer's, else one learned from a relay. */
export async function knownCard(s: Pick<Services, "db">, nodeId: string): Promise<Card | undefined> {
  const peer = await getPeer(s.db, nodeId);
  if (peer) return peer.card;
  const [row] = await s.db.select({ card: originCards.card }).from(originCards).where(eq(originCards.nodeId, nodeId));
  return row?.card;
}

/** The receiving side of a cards message: whichever of those cards this node holds. */
export async function answerCards(s: Services, request: z.infer<typeof cardsRequest>): Promise<z.infer<typeof cardsResult>> {
  const [direct, learned] = await Promise.all([
    s.db.select({ id: peers.nodeId, card: peers.card }).from(peers).where(inArray(peers.nodeId, request.ids)),
    s.db.select({ id: originCards.nodeId, card: originCards.card }).from(originCards).where(inArray(originCards.nodeId, request.ids)),
  ]);
  const byId = new Map([...learned, ...direct].map((r) => [r.id, r.card]));
  return { type: "cards", cards: [...byId.values()].slice(0, MAX_CARDS_ASKED) };
}

/**
 * Asks the active peer `via` for the card of `nodeId` and stores it if it verifies as that node's
 * (and, when a card is held already, descends from it). Returns the card, or undefined.
 */
export async function learnCard(s: Services, nodeId: string, via: string): Promise<Card | undefined> {
  const peer = await getPeer(s.db, via);
  if (peer?.state !== "active") return undefined;
  const { cards } = await callPeer(s, peer, "cards", { type: "cards", ids: [nodeId] } satisfies z.infer<typeof cardsRequest>, cardsResult);
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
    const values = { card: verified.card, learnedFrom: via, updatedAt: Date.now() };
    await s.db.insert(originCards).values({ nodeId, ...values }).onConflictDoUpdate({ target: originCards.nodeId, set: values });
    return verified.card;
  }
  return undefined;
}
