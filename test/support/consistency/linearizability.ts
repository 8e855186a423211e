// A linearizability checker for key-value histories: Wing and Gong's search for a sequential
// order that respects real time and the model, with Lowe's memoization of (linearized set, model
// state) pairs ("Testing for linearizability", 2017), as Knossos and Porcupine do. Linearizability
// is local (Herlihy and Wing, 1990): a history is linearizable exactly when each key's
// sub-history is, so each key is searched on its own (what Porcupine calls P-compositionality).
import type { KvInput, KvOperation, KvOutput, KvValue } from "./history.ts";

/** The sequential specification: one register per key, empty at first. */
function step(state: KvValue, input: KvInput, output: KvOutput | undefined): { ok: boolean; next: KvValue } {
  switch (input.f) {
    case "read":
      return { ok: output === undefined || (output.f === "read" && output.value === state), next: state };
    case "write":
      return { ok: true, next: input.value };
    case "delete":
      return { ok: true, next: null };
    case "cas": {
      const applies = state === input.expected;
      // An operation that never returned may have gone either way: the model decides.
      const ok = output === undefined || (output.f === "cas" && output.ok === applies);
      return { ok, next: applies ? input.value : state };
    }
  }
}

export type Verdict =
  | { linearizable: true }
  | { linearizable: false; key: string; operations: KvOperation[]; longestPrefix: KvOperation[] }
  | { linearizable: "unknown"; key: string; reason: string };

/** Search steps allowed per key before the checker gives up and says "unknown" rather than guess. */
const DEFAULT_STEP_LIMIT = 5_000_000;

export function checkLinearizable(history: readonly KvOperation[], options: { stepLimit?: number } = {}): Verdict {
  const byKey = new Map<string, KvOperation[]>();
  for (const op of history) {
    if ((op.return === undefined) !== (op.output === undefined)) throw new Error(`operation of ${op.client} on ${op.key}: return and output go together`);
    if (op.return !== undefined && op.return < op.call) throw new Error(`operation of ${op.client} on ${op.key} returns before its call`);
    byKey.set(op.key, [...(byKey.get(op.key) ?? []), op]);
  }
  for (const [key, ops] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const v = checkKey(key, ops, options.stepLimit ?? DEFAULT_STEP_LIMIT);
    if (v.linearizable !== true) return v;
  }
  return { linearizable: true };
}

interface Entry {
  op: number;
  isCall: boolean;
  /** The return entry of a call; the call of a return. */
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

function checkKey(key: string, all: KvOperation[], stepLimit: number): Verdict {
  // A read that never returned observed nothing and changed nothing: it cannot constrain the order.
  const ops = all.filter((o) => !(o.return === undefined && o.input.f === "read"));
  // Events in time order; at one instant calls come before returns, so that touching intervals
  // count as overlapping (an order is only forced when one ends strictly before the other begins).
  // An operation that never returned returns after everything: it may take effect last, or
  // (equivalently for everything observed) not at all.
  const events = ops.flatMap((o, i) => [
    { op: i, isCall: true, time: o.call },
    { op: i, isCall: false, time: o.return ?? Number.POSITIVE_INFINITY },
  ]);
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));
  const head: Entry = { op: -1, isCall: false, match: null, prev: null, next: null };
  const calls = new Map<number, Entry>();
  let last = head;
  for (const e of events) {
    const entry: Entry = { op: e.op, isCall: e.isCall, match: null, prev: last, next: null };
    last.next = entry;
    last = entry;
    if (e.isCall) calls.set(e.op, entry);
    else {
      entry.match = calls.get(e.op)!;
      calls.get(e.op)!.match = entry;
    }
  }

  // Lifting takes an operation's call and return out of the list; unlifting puts them back.
  const lift = (call: Entry) => {
    call.prev!.next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match!;
    ret.prev!.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Entry) => {
    const ret = call.match!;
    ret.prev!.next = ret;
    if (ret.next) ret.next.prev = ret;
    call.prev!.next = call;
    if (call.next) call.next.prev = call;
  };

  const linearized = new Uint32Array(Math.ceil(ops.length / 32));
  const flip = (i: number) => (linearized[i >>> 5]! ^= 1 << (i & 31));
  const seen = new Set<string>();
  const stack: { call: Entry; state: KvValue }[] = [];
  let longest: number[] = [];
  let state: KvValue = null;
  let entry = head.next;
  let steps = 0;
  while (head.next) {
    if (++steps > stepLimit) return { linearizable: "unknown", key, reason: `gave up after ${stepLimit} search steps` };
    if (entry!.isCall) {
      const op = ops[entry!.op]!;
      const r = step(state, op.input, op.output);
      if (r.ok) {
        flip(entry!.op);
        const memo = `${linearized.join(",")}|${JSON.stringify(r.next)}`;
        if (!seen.has(memo)) {
          seen.add(memo);
          stack.push({ call: entry!, state });
          state = r.next;
          lift(entry!);
          if (stack.length > longest.length) longest = stack.map((s) => s.call.op);
          entry = head.next;
          continue;
        }
        flip(entry!.op);
      }
      entry = entry!.next;
    } else {
      // A return reached: its operation cannot be placed after everything before it. Backtrack.
      const top = stack.pop();
      if (!top) return { linearizable: false, key, operations: ops, longestPrefix: longest.map((i) => ops[i]!) };
      state = top.state;
      flip(top.call.op);
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { linearizable: true };
}
