// Blackboard deltas on the wire (src/protocol/blackboard/delta.ts): the schema and bounds refuse
// with a typed error before anything is trusted, the signature covers every field and only its
// context, and a verified delta changes the key's value as its op says.
import { describe, expect, it } from "vitest";
import { applyDelta, DELTA_CONTEXT, DeltaError, deltaSigningBytes, parseDelta, signDelta, verifyDelta, type SignedDelta, type UnsignedDelta } from "../../src/protocol/blackboard/delta.ts";
import { MAX_DELTA_BYTES, MAX_DOTS_PER_WRITER, MAX_KEY_CHARS, MAX_VALUE_BYTES, MAX_DELTA_DEPTH } from "../../src/protocol/blackboard/limits.ts";
import { registerValue, type RegisterState } from "../../src/protocol/blackboard/register.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { ed25519TestSigner, TestKeyring } from "../support/ed25519.ts";

const writer = await ed25519TestSigner(new Uint8Array(32).fill(1));
const other = await ed25519TestSigner(new Uint8Array(32).fill(2));
const keys = new TestKeyring().add(writer, other);
const w = writer.signer.nodeId;
const base: UnsignedDelta = { namespace: `${w}/plans`, key: "task/42", hlc: "019b76daa8000000", writer: w, op: { type: "register", op: "set", value: { step: 1 } } };

function refusal(input: unknown): DeltaError {
  try {
    parseDelta(input);
  } catch (err) {
    if (err instanceof DeltaError) return err;
    throw err;
  }
  throw new Error("accepted");
}

describe("blackboard delta", () => {
  it("is signed over its canonical form, and verifies", async () => {
    const d = await signDelta(base, writer.signer);
    expect(new TextDecoder().decode(deltaSigningBytes(d))).toBe(
      `{"hlc":"019b76daa8000000","key":"task/42","namespace":"${w}/plans","op":{"op":"set","type":"register","value":{"step":1}},"writer":"${w}"}`,
    );
    expect(await verifyDelta(parseDelta(JSON.parse(JSON.stringify(d))), keys)).toBe("valid");
    expect(registerValue(applyDelta(undefined, d) as RegisterState)).toEqual({ present: true, value: { step: 1 } });
  });

  it("fails verification when any field changed after signing, or under another context or key", async () => {
    const d = await signDelta(base, writer.signer);
    const changed: SignedDelta[] = [
      { ...d, key: "task/43" },
      { ...d, namespace: `${w}/other` },
      { ...d, hlc: "019b76daa8000001" },
      { ...d, op: { type: "register", op: "set", value: { step: 2 } } },
      { ...d, writer: other.signer.nodeId },
      { ...d, sig: toBase64url(await writer.signer.sign(deltaSigningBytes(d), "mcpfed/1 registry-entry")) },
      { ...d, sig: toBase64url(await other.signer.sign(deltaSigningBytes(d), DELTA_CONTEXT)) },
      { ...d, sig: "AAAA" },
    ];
    for (const c of changed) expect(await verifyDelta(parseDelta(c), keys), JSON.stringify(c).slice(0, 120)).toBe("bad_signature");
    const stranger = await ed25519TestSigner(new Uint8Array(32).fill(3));
    expect(await verifyDelta(await signDelta({ ...base, writer: stranger.signer.nodeId }, stranger.signer), keys)).toBe("unknown_writer");
  });

  it("will not sign as another node", async () => {
    await expect(signDelta({ ...base, writer: other.signer.nodeId }, writer.signer)).rejects.toThrow(DeltaError);
  });

  it("refuses malformed deltas with a typed error", async () => {
    const d = await signDelta(base, writer.signer);
    const malformed: [string, unknown][] = [
      ["an HLC in uppercase", { ...d, hlc: "019B76DAA8000000" }],
      ["an HLC of 15 digits", { ...d, hlc: "019b76daa800000" }],
      ["an HLC as a number", { ...d, hlc: 1767225600000 }],
      ["an unknown field", { ...d, extra: 1 }],
      ["no signature", base],
      ["a key with a control character", { ...d, key: "a\nb" }],
      ["an empty key", { ...d, key: "" }],
      ["a namespace without its creator", { ...d, namespace: "plans" }],
      ["an unknown op type", { ...d, op: { type: "queue", op: "push" } }],
      ["a negative counter total", { ...d, op: { type: "counter", p: -1, n: 0 } }],
      ["a fractional counter total", { ...d, op: { type: "counter", p: 1.5, n: 0 } }],
      ["a removal with unsorted dots", { ...d, op: { type: "set", op: "remove", dots: [`019b76daa8000001/${w}`, `019b76daa8000000/${w}`] } }],
      ["a removal naming no dot", { ...d, op: { type: "set", op: "remove", dots: [] } }],
      ["a map inside a map", { ...d, op: { type: "map", field: "f", op: { type: "map", field: "g", op: { type: "counter", p: 1, n: 0 } } } }],
      ["a field named __proto__", { ...d, op: { type: "map", field: "__proto__", op: { type: "counter", p: 1, n: 0 } } }],
      ["an allocation by a node that does not own the budget", { ...d, op: { type: "escrow", owner: other.signer.nodeId, op: "allocate", total: 10 } }],
      ["a transfer to oneself", { ...d, op: { type: "escrow", owner: w, op: "transfer", to: w, total: 10 } }],
      ["a value nested too deep", { ...d, op: { type: "register", op: "set", value: nest(MAX_DELTA_DEPTH - 1) } }],
      ["not an object", "delta"],
    ];
    for (const [why, input] of malformed) expect(refusal(input).code, why).toBe("malformed");
  });

  it("refuses oversize deltas as oversize", async () => {
    const d = await signDelta(base, writer.signer);
    const oversize: [string, unknown][] = [
      ["a value past the bound", { ...d, op: { type: "register", op: "set", value: "x".repeat(MAX_VALUE_BYTES) } }],
      ["a value past the bound in a map field", { ...d, op: { type: "map", field: "f", op: { type: "register", op: "set", value: ["y".repeat(MAX_VALUE_BYTES)] } } }],
      ["a key past the bound", { ...d, key: "k".repeat(MAX_KEY_CHARS + 1) }],
      ["a set element past the bound", { ...d, op: { type: "set", op: "add", element: "e".repeat(257) } }],
      ["a removal of too many dots", { ...d, op: { type: "set", op: "remove", dots: Array.from({ length: MAX_DOTS_PER_WRITER + 1 }, (_, i) => `${(i + 1).toString(16).padStart(16, "0")}/${w}`) } }],
      ["a counter total past 2^53 − 1", { ...d, op: { type: "counter", p: 2 ** 53, n: 0 } }],
      ["a whole delta past the bound", { ...d, op: { type: "register", op: "set", value: Array.from({ length: 8 }, () => "z".repeat(MAX_DELTA_BYTES / 8)) } }],
    ];
    for (const [why, input] of oversize) expect(refusal(input).code, why).toBe("oversize");
    // The deepest value a delta carries: the delta and its op are the first two levels.
    expect(() => parseDelta({ ...d, op: { type: "register", op: "set", value: nest(MAX_DELTA_DEPTH - 2) } })).not.toThrow();
    // At the bound exactly is fine: the value's canonical form is the JSON string with its quotes.
    expect(() => parseDelta({ ...d, op: { type: "register", op: "set", value: "x".repeat(MAX_VALUE_BYTES - 2) } })).not.toThrow();
  });
});

function nest(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
