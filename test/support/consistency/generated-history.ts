// Histories from a real sequential store, so that they are linearizable by construction: each
// operation gets a moment inside its interval at which it takes effect, and the outputs are what
// a Map gives when the operations run in the order of those moments. Then anomalies that no
// linearizable store could show are injected, one at a time, to prove the checker catches them.
import type { KvInput, KvOperation, KvOutput, KvValue } from "./history.ts";

export interface GeneratedHistory {
  history: KvOperation[];
  /** The moment each operation took effect (undefined: a crashed one that never did). */
  effects: (number | undefined)[];
}

export function linearizableHistory(random: () => number, o: { clients: number; keys: number; operations: number; crashRate?: number }): GeneratedHistory {
  const store = new Map<string, KvValue>();
  const clock = Array.from({ length: o.clients }, () => random() * 5);
  const alive = Array.from({ length: o.clients }, () => true);
  const planned: { op: KvOperation; effect: number | undefined }[] = [];
  for (let n = 0; n < o.operations; n++) {
    const c = Math.floor(random() * o.clients);
    if (!alive[c]) continue;
    const call = clock[c]! + random() * 3;
    const duration = 0.5 + random() * 6;
    const key = `k${Math.floor(random() * o.keys)}`;
    const roll = random();
    const value = `c${c}-${n}`;
    const input: KvInput =
      roll < 0.4 ? { f: "read" } : roll < 0.75 ? { f: "write", value } : roll < 0.85 ? { f: "delete" } : { f: "cas", expected: random() < 0.5 ? null : `c${Math.floor(random() * o.clients)}-${Math.floor(random() * n)}`, value };
    const crashed = random() < (o.crashRate ?? 0);
    // A crashed operation may have taken effect (at any moment after its call) or not.
    const effect = crashed && random() < 0.5 ? undefined : call + random() * duration;
    const op: KvOperation = { client: `c${c}`, key, input, call };
    if (!crashed) op.return = call + duration;
    else alive[c] = false;
    planned.push({ op, effect });
    clock[c] = call + duration;
  }
  for (const p of [...planned].filter((p) => p.effect !== undefined).sort((a, b) => a.effect! - b.effect!)) {
    const output = run(store, p.op.key, p.op.input);
    if (p.op.return !== undefined) p.op.output = output;
  }
  return { history: planned.map((p) => p.op), effects: planned.map((p) => p.effect) };
}

function run(store: Map<string, KvValue>, key: string, input: KvInput): KvOutput {
  const current = store.get(key) ?? null;
  switch (input.f) {
    case "read":
      return { f: "read", value: current };
    case "write":
      store.set(key, input.value);
      return { f: "write" };
    case "delete":
      store.delete(key);
      return { f: "delete" };
    case "cas":
      if (current !== input.expected) return { f: "cas", ok: false };
      store.set(key, input.value);
      return { f: "cas", ok: true };
  }
}

export type Anomaly = "stale-read" | "read-from-the-future" | "phantom-value";

const completedRead = (o: KvOperation) => o.input.f === "read" && o.return !== undefined;
const overwrites = (o: KvOperation) => (o.input.f === "write" || o.input.f === "delete") && o.return !== undefined;

/**
 * A copy of the history with one read's answer changed so that no linearization can explain it,
 * and the key it is on; undefined when this history offers no place for that anomaly. Every
 * written value is unique, which is what makes each of these certain:
 * - stale read: a read returns w1's value although w2 overwrote it, w1 ending before w2 began and
 *   w2 ending before the read began;
 * - read from the future: a read returns a value whose write began after the read ended;
 * - phantom value: a read returns a value nobody wrote.
 */
export function inject(history: readonly KvOperation[], anomaly: Anomaly, random: () => number): { history: KvOperation[]; key: string } | undefined {
  const candidates: { read: number; value: string }[] = [];
  history.forEach((r, i) => {
    if (!completedRead(r)) return;
    if (anomaly === "phantom-value") return candidates.push({ read: i, value: "never written" });
    for (const w of history) {
      if (w.key !== r.key || w.input.f !== "write" || w.return === undefined) continue;
      if (anomaly === "read-from-the-future" && w.call > r.return!) candidates.push({ read: i, value: w.input.value });
      if (anomaly === "stale-read" && history.some((w2) => w2 !== w && w2.key === r.key && overwrites(w2) && w.return! < w2.call && w2.return! < r.call))
        candidates.push({ read: i, value: w.input.value });
    }
  });
  if (candidates.length === 0) return undefined;
  const pick = candidates[Math.floor(random() * candidates.length)]!;
  const copy = history.map((o) => ({ ...o }));
  copy[pick.read]!.output = { f: "read", value: pick.value };
  return { history: copy, key: copy[pick.read]!.key };
}
