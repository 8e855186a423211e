// Clients' subscriptions to resources, held in this process's memory. The node subscribes on the
// upstream once per URI, whoever asked, and stops when the last subscriber of that URI is gone;
// the upstream's resources/updated for the URI is then passed to each subscriber's delivery.
// A subscriber is a principal (2025-11-25: its GET /mcp streams) or one subscriptions/listen stream.

/** A subscription refused because its principal, or the process, already holds as many as allowed. */
export class SubscriptionCapError extends Error {
  override name = "SubscriptionCapError";
  constructor(
    readonly scope: "principal" | "total",
    readonly max: number,
  ) {
    super(scope === "principal" ? `at most ${max} resource subscriptions per caller` : `this node holds its maximum of ${max} resource subscriptions`);
  }
}

export interface Subscriber {
  id: string;
  principal: string;
  /** Passes resources/updated for `uri` on; subscribers that share one delivery are told once. */
  deliver: (uri: string) => void;
}

/** Subscribes on the upstream; resolves to what unsubscribes there. */
export type UpstreamSubscribe = () => Promise<() => Promise<void>>;

interface Held {
  upstream: string;
  subscribers: Set<string>;
  /** The upstream subscription, settled or under way. */
  upstreamSide: Promise<() => Promise<void>>;
}

export class ResourceSubscriptions {
  readonly #uris = new Map<string, Held>();
  readonly #subscribers = new Map<string, Subscriber & { uris: Set<string> }>();
  readonly #perPrincipal = new Map<string, number>();
  #total = 0;

  constructor(private readonly caps: { perPrincipal: number; total: number }) {}

  get size(): number {
    return this.#total;
  }

  /** Whether `subscriber` holds `uri`. */
  holds(subscriberId: string, uri: string): boolean {
    return this.#subscribers.get(subscriberId)?.uris.has(uri) ?? false;
  }

  /**
   * Adds `uri` to `subscriber`, subscribing on `upstream` first if no one holds it yet. Throws a
   * SubscriptionCapError at a cap, or what the upstream answered; either way nothing is kept.
   */
  async add(subscriber: Subscriber, uri: string, upstream: string, subscribe: UpstreamSubscribe): Promise<void> {
    if (this.holds(subscriber.id, uri)) return;
    if (this.#total >= this.caps.total) throw new SubscriptionCapError("total", this.caps.total);
    const mine = this.#perPrincipal.get(subscriber.principal) ?? 0;
    if (mine >= this.caps.perPrincipal) throw new SubscriptionCapError("principal", this.caps.perPrincipal);
    // Counted before the upstream answers, so that a burst cannot all pass the caps first.
    const entry = this.#subscribers.get(subscriber.id) ?? { ...subscriber, uris: new Set<string>() };
    this.#subscribers.set(subscriber.id, entry);
    entry.uris.add(uri);
    this.#perPrincipal.set(subscriber.principal, mine + 1);
    this.#total++;
    let held = this.#uris.get(uri);
    if (!held) {
      held = { upstream, subscribers: new Set(), upstreamSide: subscribe() };
      this.#uris.set(uri, held);
    }
    held.subscribers.add(subscriber.id);
    try {
      await held.upstreamSide;
    } catch (err) {
      if (this.#uris.get(uri) === held) this.#uris.delete(uri);
      this.#release(subscriber.id, uri);
      throw err;
    }
  }

  /** Drops `uri` from the subscriber; the upstream is unsubscribed when no one holds it any more. */
  remove(subscriberId: string, uri: string): void {
    if (!this.holds(subscriberId, uri)) return;
    this.#release(subscriberId, uri);
    const held = this.#uris.get(uri);
    if (!held) return;
    held.subscribers.delete(subscriberId);
    if (held.subscribers.size > 0) return;
    this.#uris.delete(uri);
    void held.upstreamSide.then((unsubscribe) => unsubscribe()).catch(() => {});
  }

  /** Drops everything the subscriber holds: its stream closed. */
  drop(subscriberId: string): void {
    for (const uri of [...(this.#subscribers.get(subscriberId)?.uris ?? [])]) this.remove(subscriberId, uri);
  }

  /** The upstream says `uri` changed: each subscriber of it hears so, once per delivery. */
  updated(upstream: string, uri: string): void {
    const held = this.#uris.get(uri);
    // Only from the upstream the subscription was made on: another cannot speak for its resource.
    if (!held || held.upstream !== upstream) return;
    const deliveries = new Set<(uri: string) => void>();
    for (const id of held.subscribers) {
      const s = this.#subscribers.get(id);
      if (s) deliveries.add(s.deliver);
    }
    for (const deliver of deliveries) deliver(uri);
  }

  #release(subscriberId: string, uri: string): void {
    const entry = this.#subscribers.get(subscriberId);
    if (!entry?.uris.delete(uri)) return;
    if (entry.uris.size === 0) this.#subscribers.delete(subscriberId);
    const left = (this.#perPrincipal.get(entry.principal) ?? 1) - 1;
    if (left > 0) this.#perPrincipal.set(entry.principal, left);
    else this.#perPrincipal.delete(entry.principal);
    this.#total--;
  }
}
