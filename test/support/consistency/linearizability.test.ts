// The linearizability checker: hand-made histories with a known answer (the classic anomalies
// among them), agreement with a brute-force search on small random histories, histories from a
// real sequential store (always linearizable), and the same with one anomaly injected (always
// caught). A checker that accepted everything would fail all but the first kind.
import { describe, expect, it } from "vitest";
import { applyOp, type BlackboardValue } from "../../../src/protocol/blackboard/value.ts";
import { registerValue, type RegisterState } from "../../../src/protocol/blackboard/register.ts";
import { encodeHlc } from "../../../src/protocol/registry/hlc.ts";
import { seeded } from "../random.ts";
import { inject, linearizableHistory, type Anomaly } from "./generated-history.ts";
import type { KvInput, KvOperation, KvOutput, KvValue } from "./history.ts";
import { checkLinearizable } from "./linearizability.ts";

const w = (client: string, value: string, call: number, ret?: number, key = "k"): KvOperation =>
  ret === undefined ? { client, key, input: { f: "write", value }, call } : { client, key, input: { f: "write", value }, call, return: ret, output: { f: "write" } };
const r = (client: string, value: KvValue, call: number, ret: number, key = "k"): KvOperation => ({ client, key, input: { f: "read" }, call, return: ret, output: { f: "read", value } });
const del = (client: string, call: number, ret: number, key = "k"): KvOperation => ({ client, key, input: { f: "delete" }, call, return: ret, output: { f: "delete" } });
const cas = (client: string, expected: KvValue, value: string, call: number, ret?: number, ok?: boolean): KvOperation =>
  ret === undefined ? { client, key: "k", input: { f: "cas", expected, value }, call } : { client, key: "k", input: { f: "cas", expected, value }, call, return: ret, output: { f: "cas", ok: ok! } };

const linearizable = (h: KvOperation[]) => checkLinearizable(h).linearizable;

describe("linearizability checker, on hand-made histories", () => {
  it("accepts a sequential history and overlapping ones with a valid order", () => {
    expect(linearizable([w("a", "1", 0, 1), r("b", "1", 2, 3)])).toBe(true);
    // Porcupine's example: a read during a write may see either value.
    expect(linearizable([w("a", "100", 0, 100), r("b", "100", 25, 75), r("c", null, 30, 60)])).toBe(true);
    expect(linearizable([])).toBe(true);
  });

  it("refuses a stale read after a completed write", () => {
    const v = checkLinearizable([w("a", "1", 0, 1), w("a", "2", 2, 3), r("b", "1", 4, 5)]);
    expect(v.linearizable).toBe(false);
    expect(linearizable([w("a", "100", 0, 100), r("b", "100", 25, 75), r("c", null, 80, 90)])).toBe(false);
  });

  it("refuses a read that sees a value before its write began", () => {
    expect(linearizable([r("b", "x", 0, 1), w("a", "x", 2, 3)])).toBe(false);
    // Touching intervals overlap: the write may take effect at the instant the read ends.
    expect(linearizable([r("b", "x", 0, 2), w("a", "x", 2, 3)])).toBe(true);
  });

  it("refuses two readers that see concurrent writes in opposite orders", () => {
    const writes = [w("a", "A", 0, 10), w("b", "B", 0, 10)];
    expect(linearizable([...writes, r("r1", "A", 1, 2), r("r1", "B", 5, 6), r("r2", "B", 3, 4), r("r2", "A", 7, 8)])).toBe(false);
    // Both readers agreeing on one order is fine.
    expect(linearizable([...writes, r("r1", "A", 1, 2), r("r1", "B", 5, 6), r("r2", "A", 3, 4), r("r2", "B", 7, 8)])).toBe(true);
  });

  it("lets an operation that never returned take effect, or not, but not both", () => {
    expect(linearizable([w("a", "x", 0), r("b", "x", 5, 6)])).toBe(true);
    expect(linearizable([w("a", "x", 0), r("b", null, 5, 6)])).toBe(true);
    expect(linearizable([w("a", "x", 0), r("b", "x", 5, 6), r("b", null, 7, 8)])).toBe(false);
    // It cannot take effect before it was called.
    expect(linearizable([r("b", "x", 0, 1), w("a", "x", 2)])).toBe(false);
  });

  it("checks compare-and-set and delete against the register", () => {
    expect(linearizable([cas("a", null, "A", 0, 1, true), cas("b", null, "B", 2, 3, true)])).toBe(false);
    expect(linearizable([cas("a", null, "A", 0, 5, true), cas("b", null, "B", 1, 4, false), r("c", "A", 6, 7)])).toBe(true);
    expect(linearizable([cas("a", null, "A", 0, 5, true), cas("b", null, "B", 1, 4, true)])).toBe(false);
    expect(linearizable([w("a", "x", 0, 1), cas("b", "x", "y", 2, 3, false)])).toBe(false);
    // A compare-and-set that never returned went whichever way the register allowed.
    expect(linearizable([w("a", "x", 0, 1), cas("b", "x", "y", 2), r("c", "y", 5, 6)])).toBe(true);
    expect(linearizable([w("a", "x", 0, 1), cas("b", "z", "y", 2), r("c", "y", 5, 6)])).toBe(false);
    expect(linearizable([w("a", "x", 0, 1), del("a", 2, 3), r("b", "x", 4, 5)])).toBe(false);
    expect(linearizable([w("a", "x", 0, 1), del("a", 2, 3), r("b", null, 4, 5)])).toBe(true);
  });

  it("checks each key on its own, and names the key that fails", () => {
    const v = checkLinearizable([w("a", "1", 0, 10, "x"), r("b", "1", 1, 2, "y"), r("c", "1", 3, 4, "x")]);
    expect(v).toMatchObject({ linearizable: false, key: "y" });
  });

  it("says unknown rather than guess when the search runs past its limit", () => {
    const h = Array.from({ length: 12 }, (_, i) => w(`c${i}`, `${i}`, 0, 100)).concat([r("z", "nothing", 101, 102)]);
    expect(checkLinearizable(h, { stepLimit: 50 })).toMatchObject({ linearizable: "unknown", key: "k" });
    expect(checkLinearizable(h).linearizable).toBe(false);
  });
});

// An independent decision: every order of the operations that respects real time, run on its
// own copy of the register model. Exponential, so for small histories only.
function bruteForce(history: KvOperation[]): boolean {
  const keys = new Set(history.map((o) => o.key));
  return [...keys].every((key) => {
    const ops = history.filter((o) => o.key === key);
    const mustPrecede = (a: KvOperation, b: KvOperation) => a.return !== undefined && a.return < b.call;
    const search = (placed: boolean[], state: KvValue, left: number): boolean => {
      if (left === 0) return true;
      return ops.some((op, i) => {
        if (placed[i] || ops.some((other, j) => !placed[j] && j !== i && mustPrecede(other, op))) return false;
        const next = model(state, op.input, op.output);
        if (!next.ok) return false;
        placed[i] = true;
        const found = search(placed, next.state, left - 1);
        placed[i] = false;
        return found;
      });
    };
    return search(ops.map(() => false), null, ops.length);
  });
}

function model(state: KvValue, input: KvInput, output?: KvOutput): { ok: boolean; state: KvValue } {
  if (input.f === "write") return { ok: true, state: input.value };
  if (input.f === "delete") return { ok: true, state: null };
  if (input.f === "read") return { ok: !output || (output as { value: KvValue }).value === state, state };
  const hit = state === input.expected;
  return { ok: !output || (output as { ok: boolean }).ok === hit, state: hit ? input.value : state };
}

describe("linearizability checker, on random histories", () => {
  it("agrees with brute force on 2,000 small histories with random answers", () => {
    const random = seeded(11);
    const verdicts = { true: 0, false: 0 };
    for (let run = 0; run < 2000; run++) {
      const { history } = linearizableHistory(random, { clients: 3, keys: 1, operations: 6, crashRate: 0.1 });
      // Scramble some answers, so that both verdicts come up.
      for (const op of history)
        if (op.output?.f === "read" && random() < 0.3) op.output = { f: "read", value: random() < 0.3 ? null : `c${Math.floor(random() * 3)}-${Math.floor(random() * 6)}` };
        else if (op.output?.f === "cas" && random() < 0.3) op.output = { f: "cas", ok: !op.output.ok };
      const expected = bruteForce(history);
      expect(checkLinearizable(history).linearizable, `run ${run}: ${JSON.stringify(history)}`).toBe(expected);
      verdicts[`${expected}`]++;
    }
    expect(verdicts.true).toBeGreaterThan(300);
    expect(verdicts.false).toBeGreaterThan(300);
  });

  it("accepts every history of a real sequential store, crashes included", () => {
    const random = seeded(5);
    for (let run = 0; run < 300; run++) {
      const { history } = linearizableHistory(random, { clients: 5, keys: 3, operations: 60, crashRate: 0.03 });
      expect(checkLinearizable(history), `run ${run}`).toEqual({ linearizable: true });
    }
  });

  for (const anomaly of ["stale-read", "read-from-the-future", "phantom-value"] as Anomaly[]) {
    it(`catches every ${anomaly} injected into such histories`, () => {
      const random = seeded(anomaly.length);
      let injected = 0;
      for (let run = 0; run < 300; run++) {
        const { history } = linearizableHistory(random, { clients: 5, keys: 2, operations: 50, crashRate: 0.03 });
        const bad = inject(history, anomaly, random);
        if (!bad) continue;
        injected++;
        expect(checkLinearizable(bad.history), `run ${run}`).toMatchObject({ linearizable: false, key: bad.key });
      }
      expect(injected).toBeGreaterThan(200);
    });
  }

  it("decides a long single-key history of 8 clients", () => {
    const random = seeded(99);
    const { history } = linearizableHistory(random, { clients: 8, keys: 1, operations: 400, crashRate: 0.01 });
    expect(checkLinearizable(history)).toEqual({ linearizable: true });
    const bad = inject(history, "stale-read", random)!;
    expect(checkLinearizable(bad.history).linearizable).toBe(false);
  });
});

// Replicas of last-writer-wins registers (the blackboard's, src/protocol/blackboard/) that pass
// each write on to the others after a random lag. Served by one home replica, clients see a
// linearizable store; served by whichever replica they reach, they read stale values.
function replicatedHistory(random: () => number, home: boolean): KvOperation[] {
  const replicas: Map<string, BlackboardValue>[] = [new Map(), new Map(), new Map()];
  const inFlight: { at: number; replica: number; key: string; value: string; wall: number }[] = [];
  const planned: { op: KvOperation; effect: number; replica: number }[] = [];
  const clock = [0, 0, 0, 0];
  for (let n = 0; n < 40; n++) {
    const c = Math.floor(random() * clock.length);
    const call = clock[c]! + random() * 2;
    const duration = 0.5 + random() * 2;
    const key = `k${Math.floor(random() * 2)}`;
    const input: KvInput = random() < 0.5 ? { f: "read" } : { f: "write", value: `c${c}-${n}` };
    planned.push({ op: { client: `c${c}`, key, input, call, return: call + duration }, effect: call + random() * duration, replica: home ? 0 : Math.floor(random() * replicas.length) });
    clock[c] = call + duration;
  }
  planned.sort((a, b) => a.effect - b.effect);
  planned.forEach(({ op, effect, replica }, wall) => {
    // Deliver what has arrived by now, oldest first.
    inFlight.sort((a, b) => a.at - b.at);
    while (inFlight.length > 0 && inFlight[0]!.at <= effect) {
      const m = inFlight.shift()!;
      replicas[m.replica]!.set(m.key, applyOp(replicas[m.replica]!.get(m.key), { type: "register", op: "set", value: m.value }, { hlc: encodeHlc({ wall: m.wall, counter: 0 }), writer: "w" }));
    }
    const state = replicas[replica]!;
    if (op.input.f === "write") {
      const value = op.input.value;
      state.set(op.key, applyOp(state.get(op.key), { type: "register", op: "set", value }, { hlc: encodeHlc({ wall, counter: 0 }), writer: "w" }));
      for (let r = 0; r < replicas.length; r++) if (r !== replica) inFlight.push({ at: effect + random() * 8, replica: r, key: op.key, value, wall });
      op.output = { f: "write" };
    } else {
      const held = state.get(op.key);
      const read = held ? registerValue(held as RegisterState) : { present: false as const };
      op.output = { f: "read", value: read.present ? (read.value as string) : null };
    }
  });
  return planned.map((p) => p.op);
}

describe("linearizability checker, on replicated last-writer-wins registers", () => {
  it("accepts every history served by one home replica", () => {
    const random = seeded(31);
    for (let run = 0; run < 200; run++) expect(checkLinearizable(replicatedHistory(random, true)), `run ${run}`).toEqual({ linearizable: true });
  });

  it("finds the stale reads of replicas that lag", () => {
    const random = seeded(32);
    let refused = 0;
    for (let run = 0; run < 200; run++) if (checkLinearizable(replicatedHistory(random, false)).linearizable === false) refused++;
    expect(refused).toBeGreaterThan(150);
  });
});
