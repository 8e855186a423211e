// A 2026-07-28 upstream tells of changes to its lists only on a subscriptions/listen stream. The
// node holds one on each upstream's shared session, but only while some client of its own listens
// for list changes (a listen stream or a GET stream): each is a connection held open upstream. What
// arrives reaches the session's notification handlers, as a 2025-11-25 upstream's notifications do.
import type { Client, McpSubscription, SubscriptionFilter } from "@modelcontextprotocol/client";

/** The list changes `client`'s upstream says it announces. */
function changesOffered(client: Client): SubscriptionFilter {
  const caps = client.getServerCapabilities() ?? {};
  return {
    ...(caps.tools?.listChanged ? { toolsListChanged: true } : {}),
    ...(caps.prompts?.listChanged ? { promptsListChanged: true } : {}),
    ...(caps.resources?.listChanged ? { resourcesListChanged: true } : {}),
  };
}

export class ListChangeListens {
  #wanted = false;
  /** One listen per session at most; a session's is dropped when it ends, so this is bounded by the sessions. */
  readonly #held = new Map<Client, Promise<McpSubscription | undefined>>();

  constructor(private readonly ackTimeoutMs: number) {}

  get wanted(): boolean {
    return this.#wanted;
  }

  /** Starts listening on `sessions` (resolved once each is acknowledged or refused), or stops on all. */
  async want(wanted: boolean, sessions: readonly Promise<Client>[]): Promise<void> {
    this.#wanted = wanted;
    if (!wanted) {
      const held = [...this.#held.values()];
      this.#held.clear();
      await Promise.all(held.map(async (sub) => (await sub)?.close()));
      return;
    }
    await Promise.all(sessions.map(async (session) => this.follow(await session.catch(() => undefined))));
  }

  /** Listens on `client` if listening is wanted and its upstream is of the 2026-07-28 era and not listened to yet. */
  async follow(client: Client | undefined): Promise<void> {
    if (!client || !this.#wanted || this.#held.has(client) || client.getProtocolEra() !== "modern") return;
    const filter = changesOffered(client);
    if (Object.keys(filter).length === 0) return;
    const sub = client.listen(filter, { timeout: this.ackTimeoutMs }).catch(() => undefined);
    this.#held.set(client, sub);
    // A refusal stays: not asked again on this session. A listen that ends (the upstream went
    // away, or closed it) is opened anew on the session's next use.
    const held = await sub;
    if (held) void held.closed.then(() => this.#forgetIf(client, sub));
  }

  /** The session has ended: its listen with it. */
  forget(client: Client): void {
    this.#held.delete(client);
  }

  #forgetIf(client: Client, sub: Promise<McpSubscription | undefined>): void {
    if (this.#held.get(client) === sub) this.#held.delete(client);
  }
}
