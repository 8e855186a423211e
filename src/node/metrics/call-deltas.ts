// What a flush adds to the console's call figures (store/call-window.ts): the flush's call counts
// and latencies summed per minute by tool, by providing peer and in all, so that the store keeps a
// few rows a minute that a window is read from.
import type { CallDelta, CallScope } from "../../store/call-window.ts";
import type { CounterDelta, HistogramDelta } from "../../store/metrics.ts";
import { HISTOGRAM_BOUNDS_MS, METRICS } from "./definitions.ts";

/** Outcomes that are not errors: an answer from the tool, or from the cache. */
export const SUCCESSES: readonly string[] = ["ok", "cache_hit"];

export function callDeltas(counters: CounterDelta[], histograms: HistogramDelta[]): CallDelta[] {
  const deltas = new Map<string, CallDelta>();
  const at = (minute: number, scope: CallScope, key: string) => {
    const id = `${minute}\n${scope}\n${key}`;
    let d = deltas.get(id);
    if (!d) deltas.set(id, (d = { minute, scope, key, calls: 0, errors: 0, count: 0, buckets: HISTOGRAM_BOUNDS_MS.map(() => 0) }));
    return d;
  };
  for (const c of counters) {
    if (c.name !== METRICS.calls.name) continue;
    const labels = JSON.parse(c.labels) as Record<string, string>;
    const errors = SUCCESSES.includes(labels.outcome ?? "") ? 0 : c.value;
    for (const d of [at(c.minute, "all", ""), at(c.minute, "tool", labels.tool ?? "")]) {
      d.calls += c.value;
      d.errors += errors;
    }
  }
  for (const h of histograms) {
    if (h.name !== METRICS.callDuration.name) continue;
    const labels = JSON.parse(h.labels) as Record<string, string>;
    const into = [at(h.minute, "all", ""), at(h.minute, "tool", labels.tool ?? "")];
    // Local calls are no peer's.
    if (labels.peer) into.push(at(h.minute, "peer", labels.peer));
    for (const d of into) {
      d.count += h.count;
      h.buckets.forEach((n, i) => (d.buckets[i]! += n));
    }
  }
  return [...deltas.values()];
}
