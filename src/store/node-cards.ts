// Every node card this node holds: its peers' and those learned through gossip (a peer's over a
// learned one). Read to choose onion paths; capped, most recently updated first.
import { desc } from "drizzle-orm";
import type { Card } from "../protocol/card/schema.ts";
import type { Database } from "./database.ts";
import { originCards, peers } from "./schema/index.ts";

export async function allHeldCards(db: Database, max: number): Promise<Card[]> {
  const [direct, learned] = await Promise.all([
    db.select({ id: peers.nodeId, card: peers.card, state: peers.state }).from(peers).limit(max),
    db.select({ id: originCards.nodeId, card: originCards.card }).from(originCards).orderBy(desc(originCards.updatedAt)).limit(max),
  ]);
  const usable = direct.filter((p) => p.state !== "blocked");
  const blocked = new Set(direct.filter((p) => p.state === "blocked").map((p) => p.id));
  return [...new Map([...learned.filter((r) => !blocked.has(r.id)), ...usable].map((r) => [r.id, r.card])).values()];
}
