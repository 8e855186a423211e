// Counting acknowledgements of one strong log entry: it commits once a majority of the
// namespace's replicas, its home included, has stored and signed it. Two majorities of one replica
// set always share a replica, which is what lets a later home (were there failover) find every
// committed entry; with a fixed home it makes each committed entry survive the loss of any
// minority of replicas.

/** The least number of replicas that is more than half of `n`. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

export type TallyState = "waiting" | "committed" | "lost";

/** Acknowledgements of one entry, from distinct replicas of the set; the home counts itself. */
export class AckTally {
  readonly #replicas: ReadonlySet<string>;
  readonly #acked = new Set<string>();
  readonly #failed = new Set<string>();

  constructor(replicas: readonly string[], home: string) {
    this.#replicas = new Set(replicas);
    if (!this.#replicas.has(home)) throw new RangeError("the home is one of the replicas");
    this.#acked.add(home);
  }

  /** Counts a replica's verified acknowledgement; anyone outside the set, or twice, counts nothing. */
  ack(replica: string): TallyState {
    if (this.#replicas.has(replica) && !this.#failed.has(replica)) this.#acked.add(replica);
    return this.state;
  }

  /** A replica that did not acknowledge, and will not for this entry. */
  fail(replica: string): TallyState {
    if (this.#replicas.has(replica) && !this.#acked.has(replica)) this.#failed.add(replica);
    return this.state;
  }

  get acked(): string[] {
    return [...this.#acked].sort();
  }

  get state(): TallyState {
    const need = majority(this.#replicas.size);
    if (this.#acked.size >= need) return "committed";
    return this.#replicas.size - this.#failed.size < need ? "lost" : "waiting";
  }
}
