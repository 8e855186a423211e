// Gossip between direct peers, built only from requests and scheduled ticks:
// - push on change: after a local change, or after taking new entries from a peer, push to a
//   few random peers what each lacks, from the per-peer cursor (scheduled after the response);
// - anti-entropy: each tick, push-pull with one random peer;
// - repair: where a cursor is missing or stale, range-based reconciliation (repair.ts).
// Public entries a peer sends go on to other peers through the same cursors, once each.
import { log } from "../logging/log.ts";
import type { Registry } from "../registry/registry.ts";
import type { LogPosition } from "../../store/entry-store.ts";
import type { Entry } from "../../protocol/registry/entry.ts";
import type { ExchangeReply, ExchangeRequest, ReconcileReply, ReconcileRequest } from "../../protocol/messages/gossip.ts";
import { DEFAULT_RECONCILE, type ReconcileParams } from "../../protocol/reconciliation.ts";
import { answerReconcile, repair, type RepairContext } from "./repair.ts";
import type { GossipHandlers, GossipTransport } from "./transport.ts";

export interface GossipOptions {
  /** Peers pushed to on a change. 4 of 6 reaches ~all live nodes by pushes alone (docs/benchmarks.md). */
  fanout: number;
  /** Per message: entries, and their canonical bytes. */
  maxEntries: number;
  maxBytes: number;
  /** Pages one push or push-pull may take before it leaves the rest to the next one. */
  maxPages: number;
  /** A cursor not confirmed for this long is not trusted; the peer is repaired instead. */
  cursorMaxAgeMs: number;
  /** Share of ticks that repair rather than push-pull: the backstop for what cursors cannot see (a peer's restored backup). */
  repairChance: number;
  /** Peers a tick tries, one after the other, until one answers: a down peer should not waste the tick. */
  tickAttempts: number;
  /** Round trips after which a reconciliation is given up. */
  maxReconcileRounds: number;
  reconcile: ReconcileParams;
}

export const DEFAULT_GOSSIP: GossipOptions = {
  fanout: 4,
  maxEntries: 256,
  maxBytes: 512 * 1024,
  maxPages: 16,
  cursorMaxAgeMs: 7 * 24 * 3600 * 1000,
  repairChance: 0.1,
  tickAttempts: 2,
  maxReconcileRounds: 32,
  reconcile: DEFAULT_RECONCILE,
};

export interface GossipDeps {
  registry: Registry;
  transport: GossipTransport;
  /** The direct peers to gossip with (node ids). */
  peers: () => Promise<string[]>;
  /** Runs work after the current response: waitUntil on Workers, a tracked promise elsewhere. */
  later: (task: () => Promise<void>) => void;
  options?: Partial<GossipOptions>;
  random?: () => number;
  now?: () => number;
  onFailure?: (peer: string, error: unknown) => void;
  /** Called with how many entries went to a peer in one message (the node's metrics). */
  onSent?: (entries: number) => void;
  /**
   * Of these origins (never this node), the ones whose entries are kept here but not passed on
   * (below TRUST_RELAY_TIER, or in quarantine: src/node/trust/onward.ts). Unset: all are passed on.
   */
  withheld?: (origins: readonly string[]) => Promise<ReadonlySet<string>>;
}

export type SyncMode = "push" | "push-pull" | "repair";

export interface SyncReport {
  peer: string;
  /** What ran: a push or push-pull turns into a repair when the cursor cannot be used. */
  mode: SyncMode;
  sent: number;
  stored: number;
}

export interface TickReport {
  collected: number;
  sync?: SyncReport;
  error?: string;
}

export class Gossip implements GossipHandlers {
  readonly options: GossipOptions;
  readonly #d: GossipDeps;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #busy = new Map<string, Promise<unknown>>();

  constructor(deps: GossipDeps) {
    this.#d = deps;
    this.options = { ...DEFAULT_GOSSIP, ...deps.options };
    this.#random = deps.random ?? Math.random;
    this.#now = deps.now ?? Date.now;
  }

  get #registry(): Registry {
    return this.#d.registry;
  }

  get #limits() {
    return { maxEntries: this.options.maxEntries, maxBytes: this.options.maxBytes };
  }

  get #repair(): RepairContext {
    return {
      registry: this.#registry,
      transport: this.#d.transport,
      params: this.options.reconcile,
      limits: this.#limits,
      maxRounds: this.options.maxReconcileRounds,
      now: this.#now,
      onward: (entries) => this.#onward(entries),
    };
  }

  /** What of `entries` may go on to a peer: cursors move past the rest, which no peer gets from here. */
  async #onward(entries: Entry[]): Promise<Entry[]> {
    const withheld = this.#d.withheld;
    if (!withheld) return entries;
    const others = [...new Set(entries.map((e) => e.signed.origin).filter((o) => o !== this.#registry.self))];
    if (others.length === 0) return entries;
    const held = await withheld(others);
    return held.size === 0 ? entries : entries.filter((e) => !held.has(e.signed.origin));
  }

  /** Call after this replica changed: pushes to a fanout of peers, after the response. */
  changed(except?: string): void {
    this.#d.later(() => this.#fanout(except));
  }

  async #fanout(except?: string): Promise<void> {
    const peers = await this.#peers(except);
    const chosen = this.#sample(peers, this.options.fanout);
    await Promise.all(
      chosen.map((p) => this.sync(p, "push").catch((err: unknown) => (this.#d.onFailure ?? warn)(p, err))),
    );
  }

  /** The scheduled hook: collect expired tombstones, then push-pull (or repair) with one random peer. */
  async tick(): Promise<TickReport> {
    const collected = await this.#registry.collect();
    const mode = this.#random() < this.options.repairChance ? "repair" : "push-pull";
    let error: unknown;
    for (const peer of this.#sample(await this.#peers(), this.options.tickAttempts)) {
      try {
        return { collected, sync: await this.sync(peer, mode) };
      } catch (err) {
        error = err;
      }
    }
    return error === undefined ? { collected } : { collected, error: String(error) };
  }

  /** Brings one peer up to date. Syncs with the same peer run one after the other. */
  sync(peer: string, mode: SyncMode): Promise<SyncReport> {
    const previous = this.#busy.get(peer) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => (mode === "repair" ? this.#repairWith(peer) : this.#cursorSync(peer, mode === "push-pull")));
    this.#busy.set(peer, run);
    void run.catch(() => undefined).finally(() => this.#busy.get(peer) === run && this.#busy.delete(peer));
    return run;
  }

  async #repairWith(peer: string): Promise<SyncReport> {
    const r = await repair(this.#repair, peer);
    this.#d.onSent?.(r.sent);
    if (r.stored.length > 0) this.changed(peer);
    return { peer, mode: "repair", sent: r.sent, stored: r.stored.length };
  }

  async #cursorSync(peer: string, pull: boolean): Promise<SyncReport> {
    const { store } = this.#registry;
    const cursor = await store.cursor(peer);
    const trusted = (at: number | undefined) => at !== undefined && this.#now() - at <= this.options.cursorMaxAgeMs;
    if (!cursor.acked || !trusted(cursor.acked.at) || (pull && !trusted(cursor.theirs?.at))) return this.#repairWith(peer);
    const { epoch } = await store.head();
    const pair = { self: this.#registry.self, peer };
    let acked = cursor.acked.seq;
    let theirs: LogPosition | undefined = cursor.theirs;
    const report: SyncReport = { peer, mode: pull ? "push-pull" : "push", sent: 0, stored: 0 };
    for (let page = 0; page < this.options.maxPages; page++) {
      const delta = await store.delta(pair, acked, this.#limits);
      const sending = await this.#onward(delta.entries);
      if (!pull && sending.length === 0) {
        // Nothing in between was for this peer: move on without bothering it, keeping the last confirmation time.
        if (delta.upTo > acked) await store.saveAcked(peer, delta.upTo, cursor.acked.at);
        break;
      }
      const request: ExchangeRequest = { entries: sending.map((e) => e.signed), log: { epoch, seq: delta.upTo } };
      if (pull && theirs) request.pull = { epoch: theirs.epoch, seq: theirs.seq };
      const reply: ExchangeReply = await this.#d.transport.exchange(peer, request);
      report.sent += sending.length;
      this.#d.onSent?.(sending.length);
      if (reply.ack !== undefined) {
        acked = Math.min(reply.ack, delta.upTo);
        await store.saveAcked(peer, acked, this.#now());
      }
      let more = delta.more;
      if (pull) {
        if (!reply.delta) throw new Error(`${peer} did not answer the pull`);
        if ("stale" in reply.delta) {
          const r = await this.#repairWith(peer);
          return { ...r, sent: report.sent + r.sent, stored: report.stored + r.stored };
        }
        const got = await this.#registry.receive(reply.delta.entries, peer);
        report.stored += got.stored.length;
        if (got.stored.length > 0) this.changed(peer);
        theirs = reply.delta.log;
        await store.saveTheirs(peer, theirs, this.#now());
        more ||= reply.delta.more;
      }
      if (!more) break;
    }
    return report;
  }

  async onExchange(from: string, request: ExchangeRequest): Promise<ExchangeReply> {
    const { store } = this.#registry;
    const got = await this.#registry.receive(request.entries, from);
    if (got.stored.length > 0) this.changed(from);
    const reply: ExchangeReply = { refused: got.rejected.length };
    if (request.log) reply.ack = request.log.seq;
    const pair = { self: this.#registry.self, peer: from };
    if (request.pull) {
      const head = await store.head();
      if (request.pull.epoch !== head.epoch || request.pull.seq > head.seq) reply.delta = { stale: true };
      else {
        const d = await store.delta(pair, request.pull.seq, this.#limits);
        reply.delta = { log: { epoch: head.epoch, seq: d.upTo }, entries: (await this.#onward(d.entries)).map((e) => e.signed), more: d.more };
      }
    }
    if (request.want && request.want.length > 0) {
      reply.wanted = (await this.#onward(await store.byIdPrefix(request.want, pair, this.#limits))).map((e) => e.signed);
    }
    this.#d.onSent?.((reply.delta && "entries" in reply.delta ? reply.delta.entries.length : 0) + (reply.wanted?.length ?? 0));
    return reply;
  }

  onReconcile(from: string, request: ReconcileRequest): Promise<ReconcileReply> {
    return answerReconcile(this.#repair, from, request);
  }

  async #peers(except?: string): Promise<string[]> {
    return (await this.#d.peers()).filter((p) => p !== except && p !== this.#registry.self);
  }

  #sample(items: string[], n: number): string[] {
    const pool = [...items];
    for (let i = 0; i < Math.min(n, pool.length); i++) {
      const j = i + Math.floor(this.#random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, n);
  }
}

function warn(peer: string, error: unknown): void {
  log.warn("gossip.push_failed", { peer, error: String(error) });
}
