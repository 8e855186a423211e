// The relay's provider measurements, which also count each call's outcome as trust evidence
// (src/node/trust/call-outcomes.ts): an addition in memory, nothing more on the call's path.
import type { CallOutcomes } from "../trust/call-outcomes.ts";
import { ProviderStats } from "./choice.ts";

export class WitnessedProviderStats extends ProviderStats {
  constructor(private readonly outcomes: CallOutcomes) {
    super();
  }

  override record(node: string, ok: boolean, latencyMs: number): void {
    super.record(node, ok, latencyMs);
    this.outcomes.record(node, ok);
  }
}
