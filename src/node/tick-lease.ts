// Which instance runs the tick. An operator may run several instances of one node (same NODE_SEED,
// one shared store) and Workers scale isolates; every one of them is woken each period, and the
// lease row (store/tick-lease.ts) lets exactly one do that period's node-wide work. The holder
// renews between the tick's stages: one that lost the lease (it overran its time and another
// instance took it) stops there, so two instances never go on working past a stage of each other.
import { toBase64url } from "../protocol/encoding/bytes.ts";
import type { TickLeaseStore } from "../store/tick-lease.ts";

/** The longest a lease runs unrenewed: an instance that died holding it delays the next tick at most this. */
const MAX_LEASE_MS = 30_000;
/** How often an operator's tick looks again at a lease another instance holds. */
const RETRY_MS = 200;

export class LeaseLost extends Error {
  constructor(readonly fence: number) {
    super(`the tick lease (fence ${fence}) was taken by another instance`);
  }
}

export interface HeldLease {
  holder: string;
  fence: number;
  /** The scheduled period it was claimed for; absent for an operator's tick. */
  period?: number;
  /** Renews the lease, or throws LeaseLost: called between stages. */
  hold(): Promise<void>;
  release(): Promise<void>;
}

export interface TickLeasePort {
  store: TickLeaseStore;
  tickSeconds: number;
  now: () => number;
}

export class TickLease {
  /** This process or isolate, as the lease row names it. */
  readonly holder = toBase64url(crypto.getRandomValues(new Uint8Array(8)));
  readonly #ttlMs: number;

  constructor(private readonly p: TickLeasePort) {
    this.#ttlMs = Math.min(p.tickSeconds * 1000, MAX_LEASE_MS);
  }

  /** The scheduled period `now` falls in: periods start at multiples of TICK_SECONDS since the epoch. */
  periodAt(now: number): number {
    return Math.floor(now / (this.p.tickSeconds * 1000));
  }

  /** The lease for the current period, unless another instance already took that period. */
  async forPeriod(): Promise<HeldLease | undefined> {
    const now = this.p.now();
    const period = this.periodAt(now);
    const fence = await this.p.store.claimPeriod({ holder: this.holder, now, ttlMs: this.#ttlMs }, period);
    return fence === undefined ? undefined : this.#held(fence, period);
  }

  /** The lease as soon as no instance holds it, waiting at most `waitMs`. */
  async whenFree(waitMs = this.#ttlMs): Promise<HeldLease | undefined> {
    const until = this.p.now() + waitMs;
    for (;;) {
      const fence = await this.p.store.claimNow({ holder: this.holder, now: this.p.now(), ttlMs: this.#ttlMs });
      if (fence !== undefined) return this.#held(fence);
      if (this.p.now() >= until) return undefined;
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  #held(fence: number, period?: number): HeldLease {
    return {
      holder: this.holder,
      fence,
      ...(period === undefined ? {} : { period }),
      hold: async () => {
        if (!(await this.p.store.renew(fence, this.p.now(), this.#ttlMs))) throw new LeaseLost(fence);
      },
      release: () => this.p.store.release(fence, this.p.now()),
    };
  }
}
