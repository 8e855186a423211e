// Counts and observations of this process or isolate, added up in memory for a moment and then
// added to the store's per-minute rollups in one batch, after the response that caused them: the
// hot path only touches a Map. Every process adds to the same rows, so the store holds the node's.
import { log } from "../logging/log.ts";
import type { Database } from "../../store/database.ts";
import { addRollups, type CounterDelta, type HistogramDelta } from "../../store/metrics.ts";
import { callDeltas } from "./call-deltas.ts";
import { HISTOGRAM_BOUNDS_MS, type LabelsOf, type MetricDefinition } from "./definitions.ts";

/** Distinct label sets one metric may hold per minute, store-wide; more go to the overflow set. */
export const MAX_LABEL_SETS = 200;
/** The value every label takes in the overflow set. */
export const OVERFLOW_LABEL = "other";
/** Longer label values are cut: a tool or peer name is never this long. */
const MAX_LABEL_LENGTH = 100;
/**
 * How long increments wait for others before one write carries them all: a second, so that a busy
 * process writes its rollups once a second rather than once a call (four counters and a histogram
 * of a relayed call were half the provider's statements). A process that dies loses at most this
 * much; this node's own reads of its figures flush first (`flush`).
 */
export const FLUSH_AFTER_MS = 1000;

export const minuteOf = (ms: number) => Math.floor(ms / 60_000);

/** A label set as stored: its names in the definition's order, values bounded. */
export function labelKey(m: MetricDefinition, labels: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(m.labels.map((l) => [l, String(labels[l] ?? "").slice(0, MAX_LABEL_LENGTH)])));
}

function overflowKey(m: MetricDefinition): string {
  return JSON.stringify(Object.fromEntries(m.labels.map((l) => [l, OVERFLOW_LABEL])));
}

/** The bucket index of an observation in HISTOGRAM_BOUNDS_MS; the last index means +Inf. */
function bucketOf(ms: number): number {
  const i = HISTOGRAM_BOUNDS_MS.findIndex((b) => ms <= b);
  return i === -1 ? HISTOGRAM_BOUNDS_MS.length : i;
}

export interface MetricsOptions {
  db: Database;
  /** Keeps the write alive after the response (the Platform's deferred work). */
  defer: (work: Promise<unknown>) => void;
  /**
   * Workers: a promise may settle only in the request that made it, so each request writes its own
   * counts right after it instead of batching across requests behind a timer.
   */
  requestScopedIo?: boolean;
  now?: () => number;
}

export class MetricsRecorder {
  #counters = new Map<string, CounterDelta>();
  #histograms = new Map<string, HistogramDelta>();
  #scheduled = false;
  /** Ends the timer's wait early; set while one is pending. */
  #wake: (() => void) | undefined;
  /** The last write begun: each waits for the one before it. */
  #writing: Promise<void> = Promise.resolve();
  readonly #now: () => number;

  constructor(private readonly opts: MetricsOptions) {
    this.#now = opts.now ?? Date.now;
  }

  count<M extends MetricDefinition>(m: M, labels: LabelsOf<M>, by = 1): void {
    const minute = minuteOf(this.#now());
    const key = labelKey(m, labels);
    const id = `${minute}\n${m.name}\n${key}`;
    const row = this.#counters.get(id);
    if (row) row.value += by;
    else this.#counters.set(id, { minute, name: m.name, labels: key, overflow: overflowKey(m), value: by });
    this.#schedule();
  }

  /** Records one observation in milliseconds. */
  observe<M extends MetricDefinition>(m: M, labels: LabelsOf<M>, ms: number): void {
    const minute = minuteOf(this.#now());
    const key = labelKey(m, labels);
    const id = `${minute}\n${m.name}\n${key}`;
    let row = this.#histograms.get(id);
    if (!row) {
      row = { minute, name: m.name, labels: key, overflow: overflowKey(m), count: 0, sum: 0, buckets: HISTOGRAM_BOUNDS_MS.map(() => 0) };
      this.#histograms.set(id, row);
    }
    const value = Math.max(0, ms);
    row.count++;
    row.sum += value;
    // Above the last bound it counts only in `count`, which is the +Inf bucket.
    const b = bucketOf(value);
    if (b < row.buckets.length) row.buckets[b]!++;
    this.#schedule();
  }

  /**
   * Writes what is held now; the tick, shutdown and the routes that read the figures call it so
   * nothing waits on a timer. It settles once every earlier write has landed too, so a reader never
   * reads past a timed write still in flight; and it ends the timer's wait, whose work it did.
   */
  flush(): Promise<void> {
    this.#wake?.();
    const counters = [...this.#counters.values()];
    const histograms = [...this.#histograms.values()];
    this.#counters.clear();
    this.#histograms.clear();
    if (counters.length > 0 || histograms.length > 0) this.#writing = this.#writing.then(() => this.#write(counters, histograms));
    return this.#writing;
  }

  async #write(counters: CounterDelta[], histograms: HistogramDelta[]): Promise<void> {
    try {
      await addRollups(this.opts.db, counters, histograms, MAX_LABEL_SETS, callDeltas(counters, histograms), OVERFLOW_LABEL);
    } catch (err) {
      log.error("metrics.flush_failed", { counters: counters.length, histograms: histograms.length, error: String(err) });
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = this.opts.requestScopedIo
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, FLUSH_AFTER_MS);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
    // Cleared as the flush takes what is held, so a count after that schedules the next one.
    this.opts.defer(
      wait.then(() => {
        this.#scheduled = false;
        this.#wake = undefined;
        return this.flush();
      }),
    );
  }
}
