// Cards of nodes further away than a peer, learned from the peer that relayed their entries.
import { count, eq, inArray } from "drizzle-orm";
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

export async function countOriginCards(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(originCards);
  return row?.n ?? 0;
}

/** The peer a further node's card came through, if this node holds one learned that way. */
export async function cardLearnedFrom(db: Database, nodeId: string): Promise<string | undefined> {
  const [row] = await db.select({ via: originCards.learnedFrom }).from(originCards).where(eq(originCards.nodeId, nodeId));
  return row?.via;
}

/** The ids of the further nodes whose cards this node holds. */
export async function originCardIds(db: Database): Promise<string[]> {
  return (await db.select({ id: originCards.nodeId }).from(originCards)).map((r) => r.id);
}
