// What a client asks the blackboard to do, as the MCP tools and admin routes take it, and how a
// request becomes the op the node signs: running totals and observed dots come from the value
// this node holds, so the op a client names stays small and the one signed merges as a CRDT.
import { z } from "zod";
import { counterAdd, CounterRangeError, type CounterState } from "../../protocol/blackboard/counter.ts";
import { blackboardKey, namespaceName } from "../../protocol/blackboard/delta.ts";
import { setAdd, setRemove, SetBoundError, type OrSetState } from "../../protocol/blackboard/or-set.ts";
import { MAX_ELEMENT_CHARS, MAX_FIELD_CHARS } from "../../protocol/blackboard/limits.ts";
import { strongOp, type StrongOp } from "../../protocol/blackboard/strong-log.ts";
import { consistency } from "../../protocol/blackboard/namespace.ts";
import type { BlackboardValue, FieldOp, FieldState, ValueOp } from "../../protocol/blackboard/value.ts";
import { counterValue } from "../../protocol/blackboard/counter.ts";
import { setElements } from "../../protocol/blackboard/or-set.ts";
import { registerValue } from "../../protocol/blackboard/register.ts";
import { BlackboardError } from "./errors.ts";

const element = z.string().min(1).max(MAX_ELEMENT_CHARS);
const fieldWrite = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("register"), op: z.enum(["set", "delete"]), value: z.json().optional() }),
  z.strictObject({ type: z.literal("counter"), op: z.literal("add"), amount: z.number().int().refine((n) => n !== 0 && Number.isSafeInteger(n), "a non-zero safe integer") }),
  z.strictObject({ type: z.literal("set"), op: z.enum(["add", "remove"]), element }),
]);
export const writeOp = z.union([fieldWrite, z.strictObject({ type: z.literal("map"), field: z.string().min(1).max(MAX_FIELD_CHARS), op: fieldWrite })]);
export type WriteOp = z.infer<typeof writeOp>;
type FieldWrite = z.infer<typeof fieldWrite>;

/** The session part of a request: the client's token for the key, and its session secret. */
export const sessionArgs = {
  token: z.string().max(16 * 1024).optional(),
  session: z.string().min(16).max(128).optional(),
};
export const target = { namespace: namespaceName, key: blackboardKey, consistency: consistency.optional() };

export const getArgs = z.strictObject({ ...target, ...sessionArgs });
/** Strong consistency only: compare-and-set, the register's expected value (`null`: no value). */
const expected = z.strictObject({ value: z.json() }).nullable().optional();
export const putArgs = z.strictObject({ ...target, ...sessionArgs, op: writeOp, expected });
export const deleteArgs = z.strictObject({ ...target, ...sessionArgs, field: z.string().min(1).max(MAX_FIELD_CHARS).optional() });
export type GetArgs = z.infer<typeof getArgs>;
export type PutArgs = z.infer<typeof putArgs>;
export type DeleteArgs = z.infer<typeof deleteArgs>;

function mismatch(held: BlackboardValue | FieldState | undefined, type: string): void {
  if (held && held.type !== type) throw new BlackboardError("type_mismatch", `the key holds a ${held.type}, not a ${type}`);
}

function fieldOp(w: FieldWrite, held: FieldState | undefined, self: string): FieldOp | undefined {
  mismatch(held, w.type);
  try {
    switch (w.type) {
      case "register":
        if (w.op === "delete") return { type: "register", op: "delete" };
        if (w.value === undefined) throw new BlackboardError("malformed", "a register set needs a value");
        return { type: "register", op: "set", value: w.value };
      case "counter":
        return counterAdd(held as CounterState | undefined, self, w.amount);
      case "set":
        return w.op === "add" ? setAdd(held as OrSetState | undefined, self, w.element) : setRemove(held as OrSetState | undefined, self, w.element);
    }
  } catch (err) {
    if (err instanceof CounterRangeError || err instanceof SetBoundError) throw new BlackboardError("oversize", err.message);
    throw err;
  }
}

/** The op to sign for `w` given the value held; undefined when it would change nothing (removing an absent element). */
export function opFor(w: WriteOp, held: BlackboardValue | undefined, self: string): ValueOp | undefined {
  if (w.type !== "map") return fieldOp(w, held as FieldState | undefined, self);
  mismatch(held, "map");
  const op = fieldOp(w.op, held?.type === "map" ? held.fields[w.field] : undefined, self);
  return op && { type: "map", field: w.field, op };
}

/**
 * A request as strong consistency runs it (§17.8): strong keys hold registers, so a put sets one
 * (compare-and-set with `expected`) and a delete names no map field.
 */
export function strongOpFor(request: { tool: "get" } | { tool: "put"; args: PutArgs } | { tool: "delete"; args: DeleteArgs }): StrongOp {
  if (request.tool === "get") return { op: "read" };
  if (request.tool === "delete") {
    if (request.args.field !== undefined) throw new BlackboardError("unsupported_consistency", "strong consistency holds registers: a delete names no map field");
    return { op: "delete" };
  }
  const { op, expected } = request.args;
  if (op.type !== "register" || op.op !== "set") throw new BlackboardError("unsupported_consistency", 'strong consistency holds registers: put {type:"register",op:"set",value}');
  if (op.value === undefined) throw new BlackboardError("malformed", "a register set needs a value");
  // The strong op's own schema bounds the values (the only rule a parsed request can still break).
  const parsed = strongOp.safeParse(expected === undefined ? { op: "write", value: op.value } : { op: "cas", expected, value: op.value });
  if (!parsed.success) throw new BlackboardError("oversize", parsed.error.issues[0]?.message ?? "a value past its bound");
  return parsed.data;
}

/** A value as a client reads it. */
export function viewOf(v: BlackboardValue | undefined): unknown {
  if (!v) return null;
  switch (v.type) {
    case "register": {
      const r = registerValue(v);
      return { type: "register", value: r.present ? r.value : null };
    }
    case "counter":
      return { type: "counter", value: counterValue(v) };
    case "set":
      return { type: "set", elements: setElements(v) };
    case "map":
      return { type: "map", fields: Object.fromEntries(Object.entries(v.fields).map(([k, f]) => [k, viewOf(f)])) };
    case "escrow":
      return v;
  }
}
