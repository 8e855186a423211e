// What this node observed of its peers between two ticks, counted in memory until the tick writes
// it as trust evidence: the outcomes of relayed calls it made, the federation requests it refused
// from a peer for the peer's own doing (docs/security.md, "Refusals as evidence"), and the peers
// that did not answer the tick's own requests. A call's critical path gets an addition, never a statement.

/** Peers counted between two ticks; others wait for the next interval. */
const MAX_PEERS = 4096;

export interface Observed {
  succeeded: number;
  failed: number;
  refusals: number;
  /** Requests of the tick (ledger reconciliation) the peer did not answer. */
  unanswered: number;
}

export class PeerObservations {
  #by = new Map<string, Observed>();

  #of(peer: string): Observed | undefined {
    let o = this.#by.get(peer);
    if (!o && this.#by.size < MAX_PEERS) this.#by.set(peer, (o = { succeeded: 0, failed: 0, refusals: 0, unanswered: 0 }));
    return o;
  }

  /** A relayed call to `provider` answered (ok) or failed. */
  call(provider: string, ok: boolean): void {
    const o = this.#of(provider);
    if (!o) return;
    if (ok) o.succeeded++;
    else o.failed++;
  }

  /** A federation request from `peer` refused for a fault that is soundly its own. */
  refused(peer: string): void {
    const o = this.#of(peer);
    if (o) o.refusals++;
  }

  /** A request of the tick to `peer` got no usable answer. */
  unanswered(peer: string): void {
    const o = this.#of(peer);
    if (o) o.unanswered++;
  }

  /** The counts since the last drain, and a fresh start. */
  drain(): Map<string, Observed> {
    const out = this.#by;
    this.#by = new Map();
    return out;
  }

  /** Puts back counts a failed write could not keep. */
  restore(counts: ReadonlyMap<string, Observed>): void {
    for (const [peer, c] of counts) {
      const o = this.#of(peer);
      if (!o) continue;
      o.succeeded += c.succeeded;
      o.failed += c.failed;
      o.refusals += c.refusals;
      o.unanswered += c.unanswered;
    }
  }
}
