// A blackboard delta as it travels: one write to one key of one namespace, stamped with the
// writer's HLC and signed by the writing node (composite signature, protocol §3.2, context
// `mcpfed/1 blackboard-delta`). Objects are strict and every field is under the signature.
import { z } from "zod";
import { utf8, fromBase64url, toBase64url } from "../encoding/bytes.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { nestsDeeperThan } from "../encoding/json-depth.ts";
import { NODE_ID_PATTERN, nodeId } from "../identity/node-id.ts";
import type { EntrySigner, OriginKey } from "../identity/signer.ts";
import { hlcString } from "../registry/hlc.ts";
import { MAX_AMOUNT, MAX_DELTA_BYTES, MAX_DOTS_PER_WRITER, MAX_ELEMENT_CHARS, MAX_FIELD_CHARS, MAX_KEY_CHARS, MAX_VALUE_BYTES, MAX_DELTA_DEPTH, NAMESPACE_NAME } from "./limits.ts";
import { applyOp, type BlackboardValue, type ValueOp } from "./value.ts";

/** Domain separation: a delta's signature can never pass for any other message. */
export const DELTA_CONTEXT = "mcpfed/1 blackboard-delta";

const amount = z.number().int().min(0).max(MAX_AMOUNT);
const noControl = (s: string) => !/\p{Cc}/u.test(s);

export const namespaceName = z.string().regex(new RegExp(`^${NODE_ID_PATTERN}/${NAMESPACE_NAME}$`), "<creator node id>/<name>");
export const blackboardKey = z.string().min(1).max(MAX_KEY_CHARS).refine(noControl, "no control characters");
const dot = z.string().regex(new RegExp(`^[0-9a-f]{16}/${NODE_ID_PATTERN}$`), "<hlc>/<writer>");

const registerOp = z.discriminatedUnion("op", [
  z.strictObject({ type: z.literal("register"), op: z.literal("set"), value: z.json() }),
  z.strictObject({ type: z.literal("register"), op: z.literal("delete") }),
]);
const counterOp = z.strictObject({ type: z.literal("counter"), p: amount, n: amount });
const setOp = z.discriminatedUnion("op", [
  z.strictObject({ type: z.literal("set"), op: z.literal("add"), element: z.string().min(1).max(MAX_ELEMENT_CHARS).refine(noControl, "no control characters") }),
  z.strictObject({
    type: z.literal("set"),
    op: z.literal("remove"),
    // Sorted and distinct, so that one removal has one signed form.
    dots: z
      .array(dot)
      .min(1)
      .max(MAX_DOTS_PER_WRITER)
      .refine((d) => d.every((x, i) => i === 0 || d[i - 1]! < x), "sorted and distinct"),
  }),
]);
const fieldOp = z.union([registerOp, counterOp, setOp]);
const mapOp = z.strictObject({
  type: z.literal("map"),
  field: z.string().regex(new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,${MAX_FIELD_CHARS - 1}}$`), "a field name"),
  op: fieldOp,
});
const escrowOp = z.discriminatedUnion("op", [
  z.strictObject({ type: z.literal("escrow"), owner: nodeId, op: z.literal("allocate"), total: amount }),
  z.strictObject({ type: z.literal("escrow"), owner: nodeId, op: z.literal("transfer"), to: nodeId, total: amount }),
  z.strictObject({ type: z.literal("escrow"), owner: nodeId, op: z.literal("spend"), total: amount }),
]);
export const valueOp: z.ZodType<ValueOp> = z.union([registerOp, counterOp, setOp, mapOp, escrowOp]) as z.ZodType<ValueOp>;

const unsignedShape = {
  namespace: namespaceName,
  key: blackboardKey,
  hlc: hlcString,
  writer: nodeId,
  op: valueOp,
};
export const unsignedDelta = z.strictObject(unsignedShape);
export const signedDelta = z.strictObject({ ...unsignedShape, sig: z.string().regex(/^[A-Za-z0-9_-]+$/, "base64url") });
export type UnsignedDelta = z.infer<typeof unsignedDelta>;
export type SignedDelta = z.infer<typeof signedDelta>;

export type DeltaErrorCode = "malformed" | "oversize";

export class DeltaError extends Error {
  override name = "DeltaError";
  constructor(
    readonly code: DeltaErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function registerValueOf(op: ValueOp): { value: unknown } | undefined {
  if (op.type === "register" && op.op === "set") return { value: op.value };
  if (op.type === "map" && op.op.type === "register" && op.op.op === "set") return { value: op.op.value };
  return undefined;
}

/** Checks what the schema cannot: sizes in bytes, and who may sign which op. */
function checkDelta(d: UnsignedDelta): void {
  const held = registerValueOf(d.op);
  if (held && utf8(canonicalJson(held.value)).length > MAX_VALUE_BYTES) throw new DeltaError("oversize", `a value is at most ${MAX_VALUE_BYTES} bytes`);
  if (d.op.type === "escrow" && d.op.op === "allocate" && d.op.owner !== d.writer) throw new DeltaError("malformed", "only the budget's owner allocates");
  if (d.op.type === "escrow" && d.op.op === "transfer" && d.op.to === d.writer) throw new DeltaError("malformed", "a transfer names another node");
}

// A union's issues nest one list per branch: the bound may have been broken inside one.
function anyTooBig(issues: readonly z.core.$ZodIssue[]): boolean {
  return issues.some((i) => i.code === "too_big" || (i.code === "invalid_union" && i.errors.some(anyTooBig)));
}

function parseWith<T extends UnsignedDelta>(schema: z.ZodType<T>, input: unknown): T {
  // Depth first: the schema walks values recursively, and must not be handed a stack-breaker.
  if (nestsDeeperThan(input, MAX_DELTA_DEPTH)) throw new DeltaError("malformed", "nested too deep");
  let size: number;
  try {
    size = utf8(canonicalJson(input)).length;
  } catch {
    throw new DeltaError("malformed", "not JSON");
  }
  if (size > MAX_DELTA_BYTES) throw new DeltaError("oversize", `a delta is at most ${MAX_DELTA_BYTES} bytes`);
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new DeltaError(anyTooBig(parsed.error.issues) ? "oversize" : "malformed", parsed.error.issues.map((i) => `${i.path.join(".") || "delta"}: ${i.message}`).join("; "));
  }
  checkDelta(parsed.data);
  return parsed.data;
}

/** A received delta, checked against the schema and bounds (not yet its signature). Throws DeltaError. */
export const parseDelta = (input: unknown): SignedDelta => parseWith(signedDelta, input);

/** The bytes the writer signs: the canonical form of the delta without `sig`. */
export function deltaSigningBytes(d: UnsignedDelta): Uint8Array {
  const { namespace, key, hlc, writer, op } = d;
  return utf8(canonicalJson({ namespace, key, hlc, writer, op }));
}

export async function signDelta(unsigned: UnsignedDelta, signer: EntrySigner): Promise<SignedDelta> {
  const d = parseWith(unsignedDelta, unsigned);
  if (d.writer !== signer.nodeId) throw new DeltaError("malformed", `cannot sign for ${d.writer} as ${signer.nodeId}`);
  const sig = toBase64url(await signer.sign(deltaSigningBytes(d), DELTA_CONTEXT));
  return parseDelta({ ...d, sig });
}

export interface WriterKeys {
  /** The writer's public key, or undefined when this node does not know the writer. */
  keyOf(writer: string): Promise<OriginKey | undefined>;
}

export type DeltaVerdict = "valid" | "bad_signature" | "unknown_writer";

export async function verifyDelta(d: SignedDelta, keys: WriterKeys): Promise<DeltaVerdict> {
  const key = await keys.keyOf(d.writer);
  if (!key) return "unknown_writer";
  try {
    return (await key.verify(deltaSigningBytes(d), fromBase64url(d.sig), DELTA_CONTEXT)) ? "valid" : "bad_signature";
  } catch {
    return "bad_signature";
  }
}

/** The key's value after a verified delta. */
export function applyDelta(value: BlackboardValue | undefined, d: UnsignedDelta): BlackboardValue {
  return applyOp(value, d.op, { hlc: d.hlc, writer: d.writer });
}
