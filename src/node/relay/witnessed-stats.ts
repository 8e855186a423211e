// The relay's provider measurements, which also count each call's outcome as trust evidence
// (src/node/trust/observations.ts): an addition in memory, nothing more on the call's path.
import type { PeerObservations } from "../trust/observations.ts";
import { ProviderStats } from "./choice.ts";

export class WitnessedProviderStats extends ProviderStats {
  constructor(private readonly observed: PeerObservations) {
    super();
  }

  override record(node: string, ok: boolean, latencyMs: number): void {
    super.record(node, ok, latencyMs);
    this.observed.call(node, ok);
  }
}
