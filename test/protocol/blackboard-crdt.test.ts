// The blackboard's CRDTs (src/protocol/blackboard/): the semantics of each type on hand-made
// cases, then the join laws (commutative, associative, idempotent) and order-free delivery on
// states built from seeded random ops, compared by state hash.
import { describe, expect, it } from "vitest";
import { counterAdd, counterValue, type CounterState } from "../../src/protocol/blackboard/counter.ts";
import { MAX_DOTS_PER_WRITER, MAX_MAP_FIELDS } from "../../src/protocol/blackboard/limits.ts";
import { setAdd, setElements, setRemove, SetBoundError, type OrSetState } from "../../src/protocol/blackboard/or-set.ts";
import { registerValue, type RegisterState } from "../../src/protocol/blackboard/register.ts";
import { applyOp, mergeValues, valueHash, type BlackboardValue, type MapState, type ValueOp } from "../../src/protocol/blackboard/value.ts";
import { encodeHlc } from "../../src/protocol/registry/hlc.ts";
import { seeded, shuffle } from "../support/random.ts";

const hlc = (wall: number, counter = 0) => encodeHlc({ wall: 1_767_225_600_000 + wall, counter });
const at = (wall: number, writer: string, counter = 0) => ({ hlc: hlc(wall, counter), writer });

describe("last-writer-wins register", () => {
  it("keeps the write with the later HLC, whatever the order", () => {
    const early = applyOp(undefined, { type: "register", op: "set", value: "early" }, at(1, "b"));
    const late = applyOp(undefined, { type: "register", op: "set", value: "late" }, at(2, "a"));
    expect(registerValue(mergeValues(early, late) as RegisterState)).toEqual({ present: true, value: "late" });
    expect(registerValue(mergeValues(late, early) as RegisterState)).toEqual({ present: true, value: "late" });
  });

  it("breaks a tie in HLC by writer id", () => {
    const a = applyOp(undefined, { type: "register", op: "set", value: "from a" }, at(1, "a"));
    const b = applyOp(undefined, { type: "register", op: "set", value: "from b" }, at(1, "b"));
    expect(registerValue(mergeValues(a, b) as RegisterState)).toEqual({ present: true, value: "from b" });
    expect(registerValue(mergeValues(b, a) as RegisterState)).toEqual({ present: true, value: "from b" });
  });

  it("orders a delete against a concurrent set like any write", () => {
    const set = applyOp(undefined, { type: "register", op: "set", value: 1 }, at(1, "a"));
    const del = applyOp(set, { type: "register", op: "delete" }, at(2, "b"));
    expect(registerValue(del as RegisterState)).toEqual({ present: false });
    const lateSet = applyOp(del, { type: "register", op: "set", value: 2 }, at(3, "a"));
    expect(registerValue(lateSet as RegisterState)).toEqual({ present: true, value: 2 });
  });

  it("decides an equivocating writer's two values the same way on every replica", () => {
    const x = applyOp(undefined, { type: "register", op: "set", value: "x" }, at(1, "a"));
    const y = applyOp(undefined, { type: "register", op: "set", value: "y" }, at(1, "a"));
    expect(valueHash(mergeValues(x, y))).toBe(valueHash(mergeValues(y, x)));
  });
});

describe("PN-counter", () => {
  it("sums increments and decrements of every writer, counting a redelivered delta once", () => {
    let c: CounterState | undefined;
    const ops: [string, number][] = [["a", 5], ["b", 3], ["a", -2], ["b", -4], ["c", 10]];
    const deltas: { op: ValueOp; writer: string }[] = [];
    for (const [writer, amount] of ops) {
      const op = counterAdd(c, writer, amount);
      deltas.push({ op, writer });
      c = applyOp(c, op, at(1, writer)) as CounterState;
    }
    expect(counterValue(c!)).toBe(12);
    // Replayed, reordered and duplicated on another replica: the same value.
    let other: BlackboardValue | undefined;
    for (const d of [...deltas].reverse().concat(deltas)) other = applyOp(other, d.op, at(1, d.writer));
    expect(counterValue(other as CounterState)).toBe(12);
    expect(valueHash(other!)).toBe(valueHash(c!));
  });

  it("refuses an amount that is not an integer", () => {
    expect(() => counterAdd(undefined, "a", 1.5)).toThrow(RangeError);
  });
});

describe("add-wins observed-remove set", () => {
  it("removes what the remover saw, and keeps an add it did not see", () => {
    const added = applyOp(undefined, { type: "set", op: "add", element: "x" }, at(1, "a")) as OrSetState;
    const remove = setRemove(added, "b", "x")!;
    const concurrentAdd = applyOp(undefined, { type: "set", op: "add", element: "x" }, at(2, "c"));
    const removed = applyOp(added, remove, at(3, "b"));
    expect(setElements(removed as OrSetState)).toEqual([]);
    expect(setElements(mergeValues(removed, concurrentAdd) as OrSetState)).toEqual(["x"]);
    expect(setElements(mergeValues(concurrentAdd, removed) as OrSetState)).toEqual(["x"]);
  });

  it("holds a removal that arrives before its add", () => {
    const add = { type: "set", op: "add", element: "y" } as const;
    const remove = setRemove(applyOp(undefined, add, at(1, "a")) as OrSetState, "b", "y")!;
    const early = applyOp(applyOp(undefined, remove, at(2, "b")), add, at(1, "a"));
    expect(setElements(early as OrSetState)).toEqual([]);
  });

  it("has nothing to remove for an element it does not hold", () => {
    expect(setRemove(undefined, "a", "z")).toBeUndefined();
  });

  it("refuses a writer's add past its bound, and drops the same dots on every replica if one signs it anyway", () => {
    let s: BlackboardValue | undefined;
    const ops: { stamp: ReturnType<typeof at> }[] = [];
    for (let i = 0; i < MAX_DOTS_PER_WRITER; i++) {
      setAdd(s as OrSetState | undefined, "a", `e${i}`);
      s = applyOp(s, { type: "set", op: "add", element: `e${i}` }, at(i, "a"));
      ops.push({ stamp: at(i, "a") });
    }
    expect(() => setAdd(s as OrSetState, "a", "one more")).toThrow(SetBoundError);
    // A writer that ignores the bound: its latest dot is the one dropped, in either order.
    const extra = applyOp(undefined, { type: "set", op: "add", element: "extra" }, at(MAX_DOTS_PER_WRITER, "a"));
    const early = applyOp(undefined, { type: "set", op: "add", element: "early" }, at(-1, "a"));
    const one = mergeValues(mergeValues(s!, extra), early);
    const two = mergeValues(early, mergeValues(extra, s!));
    expect(valueHash(one)).toBe(valueHash(two));
    expect(setElements(one as OrSetState)).toContain("early");
    expect(setElements(one as OrSetState)).not.toContain("extra");
    expect(setElements(one as OrSetState)).not.toContain(`e${MAX_DOTS_PER_WRITER - 1}`);
  });
});

describe("map", () => {
  it("merges each field by its own type, and a later type wins a field two writers typed differently", () => {
    const m1 = applyOp(undefined, { type: "map", field: "title", op: { type: "register", op: "set", value: "draft" } }, at(1, "a"));
    const m2 = applyOp(m1, { type: "map", field: "votes", op: { type: "counter", p: 2, n: 0 } }, at(2, "b"));
    const m3 = applyOp(undefined, { type: "map", field: "title", op: { type: "counter", p: 1, n: 0 } }, at(1, "c"));
    const merged = mergeValues(m2, m3) as MapState;
    expect(merged.fields.title?.type).toBe("counter");
    expect(merged.fields.votes).toEqual({ type: "counter", p: { b: 2 }, n: { b: 0 } });
    expect(valueHash(mergeValues(m3, m2))).toBe(valueHash(merged));
  });

  it("keeps the fields whose names sort first past its bound, on every replica alike", () => {
    let m: BlackboardValue | undefined;
    const names = Array.from({ length: MAX_MAP_FIELDS + 5 }, (_, i) => `f${String(i).padStart(4, "0")}`);
    for (const name of shuffle(names, seeded(7))) m = applyOp(m, { type: "map", field: name, op: { type: "counter", p: 1, n: 0 } }, at(1, "a"));
    expect(Object.keys((m as MapState).fields).sort()).toEqual(names.slice(0, MAX_MAP_FIELDS));
  });
});

describe("a key's type", () => {
  it("is decided by TYPE_ORDER, so merge stays a join across types", () => {
    const reg = applyOp(undefined, { type: "register", op: "set", value: 1 }, at(9, "z"));
    const esc = applyOp(undefined, { type: "escrow", owner: "a", op: "allocate", total: 10 }, at(1, "a"));
    expect(mergeValues(reg, esc).type).toBe("escrow");
    expect(mergeValues(esc, reg).type).toBe("escrow");
  });
});

// Random ops over few writers, few elements and close HLCs, so that ties and conflicts are common.
function randomOp(random: () => number, state: BlackboardValue | undefined, writer: string): ValueOp {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const kind = pick(["register", "counter", "set", "set", "map", "escrow"] as const);
  const element = pick(["x", "y", "z"]);
  switch (kind) {
    case "register":
      return random() < 0.2 ? { type: "register", op: "delete" } : { type: "register", op: "set", value: { n: Math.floor(random() * 4) } };
    case "counter":
      return counterAdd(state?.type === "counter" ? state : undefined, writer, Math.floor(random() * 11) - 5);
    case "set":
      return (random() < 0.4 && state?.type === "set" && setRemove(state, writer, element)) || { type: "set", op: "add", element };
    case "map":
      return { type: "map", field: pick(["f", "g"]), op: random() < 0.5 ? { type: "register", op: "set", value: element } : { type: "set", op: "add", element } };
    case "escrow":
      return { type: "escrow", owner: "a", op: "spend", total: Math.floor(random() * 5) };
  }
}

function randomDeltas(random: () => number, n: number, typeBias?: BlackboardValue["type"]) {
  const writers = ["a", "b", "c"];
  const deltas: { op: ValueOp; stamp: { hlc: string; writer: string } }[] = [];
  let state: BlackboardValue | undefined;
  for (let i = 0; i < n; i++) {
    const writer = writers[Math.floor(random() * writers.length)]!;
    let op = randomOp(random, state, writer);
    if (typeBias && op.type !== typeBias && random() < 0.8) op = randomOp(random, state, writer);
    const stamp = { hlc: hlc(Math.floor(random() * 6), Math.floor(random() * 2)), writer };
    deltas.push({ op, stamp });
    state = applyOp(state, op, stamp);
  }
  return deltas;
}

const build = (deltas: ReturnType<typeof randomDeltas>) => deltas.reduce<BlackboardValue | undefined>((s, d) => applyOp(s, d.op, d.stamp), undefined)!;

describe("join laws, on seeded random states", () => {
  const RUNS = 300;
  for (const bias of [undefined, "register", "counter", "set", "map"] as const) {
    it(`merge is commutative, associative and idempotent (${bias ?? "mixed types"})`, () => {
      const random = seeded(bias ? bias.length * 101 : 17);
      for (let run = 0; run < RUNS; run++) {
        const [a, b, c] = [0, 1, 2].map(() => build(randomDeltas(random, 1 + Math.floor(random() * 8), bias))) as [BlackboardValue, BlackboardValue, BlackboardValue];
        const h = valueHash;
        expect(h(mergeValues(a, b)), `run ${run}: commutative`).toBe(h(mergeValues(b, a)));
        expect(h(mergeValues(mergeValues(a, b), c)), `run ${run}: associative`).toBe(h(mergeValues(a, mergeValues(b, c))));
        expect(h(mergeValues(a, a)), `run ${run}: idempotent`).toBe(h(a));
        expect(h(mergeValues(mergeValues(a, b), b)), `run ${run}: absorbs`).toBe(h(mergeValues(a, b)));
      }
    });

    it(`deltas delivered in any order, duplicated, end in one state (${bias ?? "mixed types"})`, () => {
      const random = seeded(bias ? bias.length * 7 : 3);
      for (let run = 0; run < RUNS; run++) {
        const deltas = randomDeltas(random, 2 + Math.floor(random() * 12), bias);
        const reference = valueHash(build(deltas));
        const replayed = shuffle([...deltas, ...deltas.filter(() => random() < 0.3)], random);
        expect(valueHash(build(replayed)), `run ${run}`).toBe(reference);
      }
    });
  }

  it("tells different states apart by hash", () => {
    const one = applyOp(undefined, { type: "set", op: "add", element: "x" }, at(1, "a"));
    const two = applyOp(one, { type: "set", op: "add", element: "x" }, at(2, "b"));
    expect(setElements(one as OrSetState)).toEqual(setElements(two as OrSetState));
    expect(valueHash(one)).not.toBe(valueHash(two));
  });
});
