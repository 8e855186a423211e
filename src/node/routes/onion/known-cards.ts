// The cards an onion hop forwards to: a node is reached only
// under a card this node holds (a peer's, or an origin card learned through gossip) or fetched from
// the node's own URL and verified, so a hop is no open proxy. Cards found are kept in this
// process or isolate, a bounded number, until they expire.
import { fetchCard } from "../../card/fetch.ts";
import type { Card } from "../../../protocol/card/schema.ts";
import type { Primitives } from "../../../protocol/identity/primitives.ts";
import type { Outbound } from "../../outbound/outbound.ts";
import type { Database } from "../../../store/database.ts";
import { heldCards } from "../../../store/origin-cards.ts";

const KEPT = 256;

export interface KnownCardsPort {
  db: Database;
  outbound: Outbound;
  primitives: () => Promise<Primitives>;
  /** Seconds since the epoch. */
  now: () => number;
  config: { clockSkewSeconds: number };
}

const sameOrigin = (a: string, b: string) => URL.canParse(a) && URL.canParse(b) && new URL(a).origin === new URL(b).origin;

export class KnownCards {
  readonly #fetched = new Map<string, Card>();

  constructor(private readonly s: KnownCardsPort) {}

  #keep(card: Card): Card {
    if (this.#fetched.size >= KEPT) this.#fetched.delete(this.#fetched.keys().next().value!);
    this.#fetched.set(card.id, card);
    return card;
  }

  /** The card of `node` at `url`, current and under that URL's origin; undefined when none can be had. */
  async card(node: string, url: string): Promise<Card | undefined> {
    const now = this.s.now();
    const usable = (c: Card | undefined) => c !== undefined && c.id === node && c.exp > now && sameOrigin(c.url, url);
    // Kept first: a hop looks its successor up on every packet, and only its URL and features matter.
    const kept = this.#fetched.get(node);
    if (usable(kept)) return kept;
    const [held] = await heldCards(this.s.db, [node]);
    if (usable(held)) return this.#keep(held!);
    try {
      const { card } = await fetchCard(url, { primitives: await this.s.primitives(), outbound: this.s.outbound, now, skew: this.s.config.clockSkewSeconds });
      return usable(card) ? this.#keep(card) : undefined;
    } catch {
      return undefined;
    }
  }
}
