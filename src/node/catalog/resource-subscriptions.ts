// Clients' subscriptions to resources, held in this process's memory. The node subscribes on the
// upstream once per URI and session, whoever asked (a per-principal upstream's session is one
// principal's), and stops when the last subscriber of that URI is gone; the upstream's
// resources/updated for the URI on that session is then passed to each subscriber's delivery.
// A session that is reopened (the upstream restarted, the session expired) holds none of the old
// one's subscriptions: they are made again on it.
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
  /** The principal whose own session holds it; undefined: the upstream's shared session. */
  owner: string | undefined;
  subscribers: Set<string>;
  subscribe: UpstreamSubscribe;
  /** The upstream subscription, settled or under way. */
  upstreamSide: Promise<() => Promise<void>>;
  settled: boolean;
}

/** Owners are principal ids, which hold no NUL. */
function heldKey(uri: string, owner: string | undefined): string {
  return owner === undefined ? uri : `${owner}\u0000${uri}`;
}

export class ResourceSubscriptions {
  readonly #uris = new Map<string, Held>();
  /** Each subscriber's URIs, each with the key of what holds it upstream. */
  readonly #subscribers = new Map<string, Subscriber & { uris: Map<string, string> }>();
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
   * Adds `uri` to `subscriber`, subscribing on `upstream` (on `owner`'s own session, if given)
   * first if no one holds it there yet. Throws a SubscriptionCapError at a cap, or what the
   * upstream answered; either way nothing is kept.
   */
  async add(subscriber: Subscriber, uri: string, upstream: string, subscribe: UpstreamSubscribe, owner?: string): Promise<void> {
    if (this.holds(subscriber.id, uri)) return;
    if (this.#total >= this.caps.total) throw new SubscriptionCapError("total", this.caps.total);
    const mine = this.#perPrincipal.get(subscriber.principal) ?? 0;
    if (mine >= this.caps.perPrincipal) throw new SubscriptionCapError("principal", this.caps.perPrincipal);
    // Counted before the upstream answers, so that a burst cannot all pass the caps first.
    const key = heldKey(uri, owner);
    const entry = this.#subscribers.get(subscriber.id) ?? { ...subscriber, uris: new Map<string, string>() };
    this.#subscribers.set(subscriber.id, entry);
    entry.uris.set(uri, key);
    this.#perPrincipal.set(subscriber.principal, mine + 1);
    this.#total++;
    let held = this.#uris.get(key);
    if (!held) {
      const h: Held = { upstream, owner, subscribers: new Set(), subscribe, upstreamSide: subscribe(), settled: false };
      h.upstreamSide.then(() => (h.settled = true), () => {});
      this.#uris.set(key, (held = h));
    }
    held.subscribers.add(subscriber.id);
    try {
      await held.upstreamSide;
    } catch (err) {
      if (this.#uris.get(key) === held) this.#uris.delete(key);
      this.#release(subscriber.id, uri);
      throw err;
    }
  }

  /** Drops `uri` from the subscriber; the upstream is unsubscribed when no one holds it any more. */
  remove(subscriberId: string, uri: string): void {
    const key = this.#subscribers.get(subscriberId)?.uris.get(uri);
    if (key === undefined) return;
    this.#release(subscriberId, uri);
    const held = this.#uris.get(key);
    if (!held) return;
    held.subscribers.delete(subscriberId);
    if (held.subscribers.size > 0) return;
    this.#uris.delete(key);
    void held.upstreamSide.then((unsubscribe) => unsubscribe()).catch(() => {});
  }

  /** Drops everything the subscriber holds: its stream closed. */
  drop(subscriberId: string): void {
    for (const uri of [...(this.#subscribers.get(subscriberId)?.uris.keys() ?? [])]) this.remove(subscriberId, uri);
  }

  /**
   * A new session to `upstream` (`owner`'s own, if given) replaced a lost one: every subscription
   * made on the old one is made again. One under way is left to finish on its own; one that fails
   * is kept for its subscribers, to be made again at the next reopening.
   */
  reopened(upstream: string, owner?: string): void {
    for (const held of this.#uris.values()) {
      if (held.upstream !== upstream || held.owner !== owner || !held.settled) continue;
      held.settled = false;
      // The old session is closed, and its subscriptions with it: nothing to unsubscribe there.
      held.upstreamSide = held.subscribe().catch(() => async () => {});
      void held.upstreamSide.then(() => (held.settled = true));
    }
  }

  /** The upstreams some subscription is held on now. */
  upstreams(): Set<string> {
    return new Set([...this.#uris.values()].map((h) => h.upstream));
  }

  /**
   * The upstream says `uri` changed, on `owner`'s own session if given: each subscriber of it there
   * hears so, once per delivery. False when no subscription to it is held there.
   */
  updated(upstream: string, uri: string, owner?: string): boolean {
    const held = this.#uris.get(heldKey(uri, owner));
    // Only from the upstream the subscription was made on: another cannot speak for its resource.
    if (!held || held.upstream !== upstream) return false;
    const deliveries = new Set<(uri: string) => void>();
    for (const id of held.subscribers) {
      const s = this.#subscribers.get(id);
      if (s) deliveries.add(s.deliver);
    }
    for (const deliver of deliveries) deliver(uri);
    return true;
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
