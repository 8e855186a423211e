// The outcomes of relayed calls this node made, counted in memory per provider until the tick
// writes them as trust evidence: a call's critical path gets no statement, only an addition.
import { ProviderStats } from "../relay/choice.ts";

/** Providers counted between two ticks; calls to others wait for the next interval. */
const MAX_PROVIDERS = 4096;

export interface CallCounts {
  succeeded: number;
  failed: number;
}

export class CallOutcomes {
  #by = new Map<string, CallCounts>();

  record(provider: string, ok: boolean): void {
    let c = this.#by.get(provider);
    if (!c) {
      if (this.#by.size >= MAX_PROVIDERS) return;
      this.#by.set(provider, (c = { succeeded: 0, failed: 0 }));
    }
    if (ok) c.succeeded++;
    else c.failed++;
  }

  /** The counts since the last drain, and a fresh start. */
  drain(): Map<string, CallCounts> {
    const out = this.#by;
    this.#by = new Map();
    return out;
  }

  /** Puts back counts a failed write could not keep. */
  restore(counts: ReadonlyMap<string, CallCounts>): void {
    for (const [provider, c] of counts) {
      const held = this.#by.get(provider);
      if (held) {
        held.succeeded += c.succeeded;
        held.failed += c.failed;
      } else if (this.#by.size < MAX_PROVIDERS) this.#by.set(provider, { ...c });
    }
  }
}

/** The relay's provider measurements, which also count each outcome as trust evidence. */
export class WitnessedProviderStats extends ProviderStats {
  constructor(private readonly outcomes: CallOutcomes) {
    super();
  }

  override record(node: string, ok: boolean, latencyMs: number): void {
    super.record(node, ok, latencyMs);
    this.outcomes.record(node, ok);
  }
}
