// Cards of nodes further away than a peer, learned from the peer that relayed their entries.
import { eq, inArray } from "drizzle-orm";
import type { Card } from "../protocol/card/schema.ts";
import type { Database } from "./database.ts";
import { originCards, peers } from "./schema/index.ts";

export async function originCard(db: Database, nodeId: string): Promise<Card | undefined> {
  const [row] = await db.select({ card: originCards.card }).from(originCards).where(eq(originCards.nodeId, nodeId));
  return row?.card;
}

/** The cards held for these ids, a peer's over a learned one. */
export async function heldCards(db: Database, ids: string[]): Promise<Card[]> {
  const [direct, learned] = await Promise.all([
    db.select({ id: peers.nodeId, card: peers.card }).from(peers).where(inArray(peers.nodeId, ids)),
    db.select({ id: originCards.nodeId, card: originCards.card }).from(originCards).where(inArray(originCards.nodeId, ids)),
  ]);
  return [...new Map([...learned, ...direct].map((r) => [r.id, r.card])).values()];
}

export async function saveOriginCard(db: Database, nodeId: string, card: Card, learnedFrom: string): Promise<void> {
  const values = { card, learnedFrom, updatedAt: Date.now() };
  await db.insert(originCards).values({ nodeId, ...values }).onConflictDoUpdate({ target: originCards.nodeId, set: values });
}
