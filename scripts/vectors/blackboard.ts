// Blackboard deltas (docs/protocol.md, "Blackboard values and deltas"): signed with the composite
// signature production uses (deterministic ML-DSA), one of every op, applied in order to their
// keys with the state and state hash after each; merges of concurrent states; and deltas a
// receiver refuses, each with the stage that refuses it and the code or verdict.
import { fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { applyDelta, DELTA_CONTEXT, DeltaError, deltaSigningBytes, parseDelta, signDelta, verifyDelta, type SignedDelta, type UnsignedDelta, type WriterKeys } from "../../src/protocol/blackboard/delta.ts";
import { MAX_KEY_CHARS, MAX_VALUE_BYTES } from "../../src/protocol/blackboard/limits.ts";
import { encodeValue, mergeValues, valueHash, type BlackboardValue } from "../../src/protocol/blackboard/value.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import type { SigningKey } from "../../src/protocol/identity/keys.ts";
import type { EntrySigner } from "../../src/protocol/identity/signer.ts";
import { INTENT_CONTEXT } from "../../src/protocol/ledger/signing.ts";
import { agree, b64, p, write } from "./common.ts";

interface Party {
  seed: Uint8Array;
  key: SigningKey;
}

const signerOf = (k: SigningKey): EntrySigner => ({ nodeId: k.nodeId, sign: (m, c) => k.signer.sign(m, c) });
const party = (k: Party) => ({ seed: b64(k.seed), nodeId: k.key.nodeId, publicKey: b64(k.key.signer.publicKey) });

function keysOf(known: Party[]): WriterKeys {
  const keys = new Map(known.map((k) => [k.key.nodeId, b64(k.key.signer.publicKey)]));
  return {
    async keyOf(writer) {
      const pub = keys.get(writer);
      if (!pub) return undefined;
      const key = await signingKey(p, pub);
      return { verify: (message, signature, context) => key.verify(signature, message, context) };
    },
  };
}

function parseRefusal(input: unknown): string {
  try {
    parseDelta(input);
    return "accepted";
  } catch (err) {
    if (err instanceof DeltaError) return err.code;
    throw err;
  }
}

export async function blackboardVectors(o: { writer: Party; other: Party; stranger: Party }): Promise<void> {
  const w = o.writer.key.nodeId;
  const x = o.other.key.nodeId;
  const ns = `${w}/plans`;
  const keys = keysOf([o.writer, o.other]);
  const hlc = (ms: number, counter = 0) => (0x019b76daa800 + ms).toString(16).padStart(12, "0") + counter.toString(16).padStart(4, "0");
  const d = (by: string, key: string, at: string, op: UnsignedDelta["op"]): UnsignedDelta => ({ namespace: ns, key, hlc: at, writer: by, op });

  // In order, per key: each delta applied to the state the one before it left.
  const script: { name: string; unsigned: UnsignedDelta }[] = [
    { name: "register set", unsigned: d(w, "title", hlc(0), { type: "register", op: "set", value: { text: "Quarterly plan", draft: true } }) },
    { name: "register set by another writer, same HLC: the larger writer id wins", unsigned: d(x, "title", hlc(0), { type: "register", op: "set", value: { text: "Plan B" } }) },
    { name: "register delete", unsigned: d(w, "title", hlc(5), { type: "register", op: "delete" }) },
    { name: "counter: writer's totals +7 −2", unsigned: d(w, "votes", hlc(1), { type: "counter", p: 7, n: 2 }) },
    { name: "counter: other writer's totals +3", unsigned: d(x, "votes", hlc(2), { type: "counter", p: 3, n: 0 }) },
    { name: "set add", unsigned: d(w, "tags", hlc(1), { type: "set", op: "add", element: "urgent" }) },
    { name: "set add of the same element by another writer", unsigned: d(x, "tags", hlc(2), { type: "set", op: "add", element: "urgent" }) },
    { name: "set remove of the first add only: the other's add survives", unsigned: d(w, "tags", hlc(3), { type: "set", op: "remove", dots: [`${hlc(1)}/${w}`] }) },
    { name: "map field register", unsigned: d(w, "task/42", hlc(1), { type: "map", field: "owner", op: { type: "register", op: "set", value: "translator-7" } }) },
    { name: "map field counter", unsigned: d(x, "task/42", hlc(2), { type: "map", field: "pages", op: { type: "counter", p: 40, n: 0 } }) },
    { name: "escrow allocate by the owner", unsigned: d(w, "budget/translate", hlc(1), { type: "escrow", owner: w, op: "allocate", total: 200 }) },
    { name: "escrow transfer of rights, signed by the giver", unsigned: d(w, "budget/translate", hlc(2), { type: "escrow", owner: w, op: "transfer", to: x, total: 80 }) },
    { name: "escrow spend by the receiver", unsigned: d(x, "budget/translate", hlc(3), { type: "escrow", owner: w, op: "spend", total: 25 }) },
  ];
  const state = new Map<string, BlackboardValue>();
  const deltas = [];
  for (const s of script) {
    const signer = s.unsigned.writer === w ? o.writer.key : o.other.key;
    const signed = await signDelta(s.unsigned, signerOf(signer));
    agree(`delta ${s.name}`, "valid", await verifyDelta(signed, keys));
    const after = applyDelta(state.get(s.unsigned.key), signed);
    state.set(s.unsigned.key, after);
    deltas.push({ name: s.name, unsigned: s.unsigned, signingBytes: new TextDecoder().decode(deltaSigningBytes(s.unsigned)), signed, after: JSON.parse(encodeValue(after)), afterHash: valueHash(after) });
  }
  agree("the title's winner before the delete", { text: "Plan B" }, (deltas[1]!.after as { value: unknown }).value);

  // Merges of two replicas' states, each the result of the deltas named.
  const stateOf = (...ds: UnsignedDelta[]) => ds.reduce<BlackboardValue | undefined>((v, x) => applyDelta(v, x), undefined)!;
  const merges = [
    {
      name: "add-wins: a remove concurrent with an add it did not see",
      a: stateOf(d(w, "s", hlc(1), { type: "set", op: "add", element: "e" }), d(w, "s", hlc(2), { type: "set", op: "remove", dots: [`${hlc(1)}/${w}`] })),
      b: stateOf(d(x, "s", hlc(1), { type: "set", op: "add", element: "e" })),
    },
    {
      name: "the later HLC wins a register whatever the writer",
      a: stateOf(d(w, "r", hlc(9), { type: "register", op: "set", value: 1 })),
      b: stateOf(d(x, "r", hlc(8, 3), { type: "register", op: "set", value: 2 })),
    },
    {
      name: "a key written as two types: the later type in the order register, counter, set, map, escrow",
      a: stateOf(d(w, "t", hlc(9), { type: "register", op: "set", value: "text" })),
      b: stateOf(d(x, "t", hlc(1), { type: "counter", p: 1, n: 0 })),
    },
  ].map((m) => {
    const merged = mergeValues(m.a, m.b);
    agree(`merge ${m.name} commutes`, valueHash(merged), valueHash(mergeValues(m.b, m.a)));
    return { name: m.name, a: JSON.parse(encodeValue(m.a)), b: JSON.parse(encodeValue(m.b)), merged: JSON.parse(encodeValue(merged)), hash: valueHash(merged) };
  });

  // Refused: by the schema and bounds (stage "parse", code), or by the signature (stage "verify", verdict).
  const good = deltas[0]!.signed;
  const { sig: _sig, ...bare } = good;
  const flip = (sig: string) => {
    const bytes = fromBase64url(sig);
    bytes[bytes.length - 1]! ^= 0x01;
    return toBase64url(bytes);
  };
  const resign = async (u: UnsignedDelta, by: SigningKey, context = DELTA_CONTEXT): Promise<SignedDelta> => ({ ...u, sig: b64(await by.signer.sign(deltaSigningBytes(u), context)) });
  const refused: { name: string; delta: unknown; stage: "parse" | "verify"; code?: string; verdict?: string }[] = [
    { name: "the value changed after signing", delta: { ...good, op: { type: "register", op: "set", value: { text: "Quarterly plan", draft: false } } }, stage: "verify", verdict: "bad_signature" },
    { name: "the key changed after signing", delta: { ...good, key: "title2" }, stage: "verify", verdict: "bad_signature" },
    { name: "a bit flipped in the signature", delta: { ...good, sig: flip(good.sig) }, stage: "verify", verdict: "bad_signature" },
    { name: "signed under the ledger-intent context", delta: await resign(bare, o.writer.key, INTENT_CONTEXT), stage: "verify", verdict: "bad_signature" },
    { name: "signed by another known node, naming the writer", delta: await resign(bare, o.other.key), stage: "verify", verdict: "bad_signature" },
    { name: "signed by a writer the verifier does not know", delta: await resign({ ...bare, writer: o.stranger.key.nodeId }, o.stranger.key), stage: "verify", verdict: "unknown_writer" },
    {
      name: "a transfer of the owner's rights to the receiver, signed by the receiver",
      delta: await resign(d(w, "budget/translate", hlc(4), { type: "escrow", owner: w, op: "transfer", to: x, total: 200 }), o.other.key),
      stage: "verify",
      verdict: "bad_signature",
    },
    { name: "an HLC in uppercase hex", delta: { ...good, hlc: good.hlc.toUpperCase() }, stage: "parse", code: "malformed" },
    { name: "an HLC of 15 digits", delta: { ...good, hlc: good.hlc.slice(1) }, stage: "parse", code: "malformed" },
    { name: "an HLC as a number of milliseconds", delta: { ...good, hlc: 1_767_225_600_000 }, stage: "parse", code: "malformed" },
    { name: "a value past 16 KiB", delta: { ...good, op: { type: "register", op: "set", value: "v".repeat(MAX_VALUE_BYTES) } }, stage: "parse", code: "oversize" },
    { name: "a key past 256 characters", delta: { ...good, key: "k".repeat(MAX_KEY_CHARS + 1) }, stage: "parse", code: "oversize" },
    { name: "an allocation signed by a node that does not own the budget", delta: await resign(d(x, "budget/translate", hlc(4), { type: "escrow", owner: w, op: "allocate", total: 1000 }), o.other.key), stage: "parse", code: "malformed" },
    { name: "an unknown field", delta: { ...good, ttl: 60 }, stage: "parse", code: "malformed" },
  ];
  for (const r of refused) {
    if (r.stage === "parse") agree(`refused: ${r.name}`, r.code, parseRefusal(r.delta));
    else agree(`refused: ${r.name}`, r.verdict, await verifyDelta(parseDelta(r.delta), keys));
  }

  write("blackboard/deltas.json", {
    about:
      "Blackboard deltas (docs/protocol.md, Blackboard values and deltas) signed with the composite signature (deterministic ML-DSA), context `context`. " +
      "`deltas` are applied in order, each to its key's state (absent at first); `after` is the key's canonical state then, `afterHash` its SHA-256. " +
      "`merges` join two states. `refused` deltas are refused at `stage`: `parse` (schema and bounds) with `code`, or `verify` with `verdict`; the verifier knows `writer` and `other`.",
    context: DELTA_CONTEXT,
    writer: party(o.writer),
    other: party(o.other),
    stranger: party(o.stranger),
    deltas,
    merges,
    refused,
  });
}
