// The tick's look at payment thresholds, with the node's services; a failure is reported, never thrown.
import { log } from "../../logging/log.ts";
import type { Services } from "../../services.ts";
import { checkThresholds, type ThresholdAction } from "./thresholds.ts";

export type ThresholdsTickReport = { actions: ThresholdAction[] } | { error: string };

export async function thresholdsTick(s: Services): Promise<ThresholdsTickReport> {
  try {
    const actions = await checkThresholds({
      self: s.nodeId,
      ledger: s.ledger,
      thresholds: s.settlement.thresholds,
      settlements: s.settlement.settlements,
      adapter: s.settlement.adapter,
      audit: (entry) => s.access.audit.append(entry),
      now: () => Date.now(),
    });
    return { actions };
  } catch (err) {
    log.warn("ledger.thresholds_failed", { error: String(err) });
    return { error: String(err) };
  }
}
