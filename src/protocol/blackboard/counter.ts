// PN-counter: each writer's running totals of increments (p) and decrements (n); the value is
// Σp − Σn. A delta carries the writer's new totals rather than the change, so applying it twice,
// late or out of order changes nothing (a delta-state CRDT, Almeida, Shoker and Baquero, 2018).
import { MAX_AMOUNT } from "./limits.ts";

export interface CounterState {
  type: "counter";
  p: Record<string, number>;
  n: Record<string, number>;
}

export interface CounterOp {
  type: "counter";
  /** The writer's total of increments so far. */
  p: number;
  /** The writer's total of decrements so far. */
  n: number;
}

export class CounterRangeError extends RangeError {
  override name = "CounterRangeError";
}

export function counterFragment(op: CounterOp, writer: string): CounterState {
  return { type: "counter", p: { [writer]: op.p }, n: { [writer]: op.n } };
}

export function mergeCounters(a: CounterState, b: CounterState): CounterState {
  return { type: "counter", p: maxEach(a.p, b.p), n: maxEach(a.n, b.n) };
}

export function counterValue(c: CounterState): number {
  return sum(c.p) - sum(c.n);
}

/** The op a writer signs to add `amount` (negative: subtract); refused past the bound. */
export function counterAdd(c: CounterState | undefined, writer: string, amount: number): CounterOp {
  if (!Number.isSafeInteger(amount)) throw new CounterRangeError(`not an integer amount: ${amount}`);
  const p = c?.p[writer] ?? 0;
  const n = c?.n[writer] ?? 0;
  const next = amount >= 0 ? { p: p + amount, n } : { p, n: n - amount };
  if (next.p > MAX_AMOUNT || next.n > MAX_AMOUNT) throw new CounterRangeError("counter total past 2^53 − 1");
  return { type: "counter", ...next };
}

export function maxEach(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((s, v) => s + v, 0);
