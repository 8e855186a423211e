// A blackboard value: one of the CRDTs, tagged by type, and the map of them. Merge is a join on
// every type; across types (two writers chose different types for one key) the higher type in
// TYPE_ORDER wins outright, which keeps merge a join (an ordinal sum of the types' lattices).
// Applying a delta is merging the state fragment it stands for, so apply inherits merge's laws.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { counterFragment, mergeCounters, type CounterOp, type CounterState } from "./counter.ts";
import { escrowFragment, mergeEscrows, type EscrowOp, type EscrowState } from "./escrow.ts";
import { MAX_MAP_FIELDS } from "./limits.ts";
import { mergeSets, setFragment, type OrSetOp, type OrSetState } from "./or-set.ts";
import { mergeRegisters, registerFragment, type RegisterOp, type RegisterState } from "./register.ts";
import { compareText, type Stamp } from "./stamp.ts";

/** What a map's fields hold: no maps inside maps, no budgets. */
export type FieldState = RegisterState | CounterState | OrSetState;
export type FieldOp = RegisterOp | CounterOp | OrSetOp;

export interface MapState {
  type: "map";
  fields: Record<string, FieldState>;
}
export interface MapOp {
  type: "map";
  field: string;
  op: FieldOp;
}

export type BlackboardValue = FieldState | MapState | EscrowState;
export type ValueOp = FieldOp | MapOp | EscrowOp;

/** Lowest first: a later type beats an earlier one at the same key. */
export const TYPE_ORDER = ["register", "counter", "set", "map", "escrow"] as const;
const rank = (v: BlackboardValue) => TYPE_ORDER.indexOf(v.type);

export function mergeValues(a: BlackboardValue, b: BlackboardValue): BlackboardValue {
  if (a.type !== b.type) return rank(a) > rank(b) ? a : b;
  switch (a.type) {
    case "register":
      return mergeRegisters(a, b as RegisterState);
    case "counter":
      return mergeCounters(a, b as CounterState);
    case "set":
      return mergeSets(a, b as OrSetState);
    case "map":
      return mergeMaps(a, b as MapState);
    case "escrow":
      return mergeEscrows(a, b as EscrowState);
  }
}

// Past MAX_MAP_FIELDS the fields whose names sort last are dropped: the same ones on every
// replica, whatever order merges came in (the smallest n of a union is a join).
function mergeMaps(a: MapState, b: MapState): MapState {
  const fields: Record<string, FieldState> = { ...a.fields };
  for (const [name, v] of Object.entries(b.fields)) fields[name] = fields[name] ? (mergeValues(fields[name]!, v) as FieldState) : v;
  const kept = Object.keys(fields).sort(compareText).slice(0, MAX_MAP_FIELDS);
  return { type: "map", fields: Object.fromEntries(kept.map((name) => [name, fields[name]!])) };
}

/** The state a delta's op stands for, written at `stamp`. */
function fragmentOf(op: ValueOp, stamp: Stamp): BlackboardValue {
  switch (op.type) {
    case "register":
      return registerFragment(op, stamp);
    case "counter":
      return counterFragment(op, stamp.writer);
    case "set":
      return setFragment(op, stamp);
    case "map":
      return { type: "map", fields: { [op.field]: fragmentOf(op.op, stamp) as FieldState } };
    case "escrow":
      return escrowFragment(op, stamp.writer);
  }
}

/** The value after one op: the only way a delta changes state, so any order of deltas ends the same. */
export function applyOp(value: BlackboardValue | undefined, op: ValueOp, stamp: Stamp): BlackboardValue {
  const fragment = fragmentOf(op, stamp);
  return value ? mergeValues(value, fragment) : fragment;
}

/** RFC 8785 canonical JSON of a value: what replicas compare and hash. */
export function encodeValue(v: BlackboardValue): string {
  return canonicalJson(v);
}

/** Hex SHA-256 of the canonical form: equal on two replicas exactly when their states are. */
export function valueHash(v: BlackboardValue): string {
  return bytesToHex(sha256(new TextEncoder().encode(encodeValue(v))));
}
