// Last-writer-wins register: the write with the latest stamp (HLC, then writer) holds the value.
// A delete is a write without a value, so that it too is ordered against concurrent sets.
import { canonicalJson } from "../encoding/canonical-json.ts";
import { compareStamps, compareText, type Stamp } from "./stamp.ts";

export interface RegisterState extends Stamp {
  type: "register";
  /** Absent after a delete. */
  value?: unknown;
}

export type RegisterOp = { type: "register"; op: "set"; value: unknown } | { type: "register"; op: "delete" };

export function registerFragment(op: RegisterOp, stamp: Stamp): RegisterState {
  return op.op === "set" ? { type: "register", ...stamp, value: op.value } : { type: "register", ...stamp };
}

// Two different writes under one stamp only come from a writer that signed both (equivocation):
// the canonical forms decide, so every replica keeps the same one all the same.
export function mergeRegisters(a: RegisterState, b: RegisterState): RegisterState {
  const byStamp = compareStamps(a, b);
  if (byStamp !== 0) return byStamp > 0 ? a : b;
  return compareText(canonicalJson(contentOf(a)), canonicalJson(contentOf(b))) >= 0 ? a : b;
}

const contentOf = (r: RegisterState) => ("value" in r ? { value: r.value } : {});

export function registerValue(r: RegisterState): { present: true; value: unknown } | { present: false } {
  return "value" in r ? { present: true, value: r.value } : { present: false };
}
