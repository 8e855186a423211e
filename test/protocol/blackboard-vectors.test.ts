// The blackboard vectors (test/vectors/blackboard/deltas.json): on each crypto path every delta
// verifies, its signing bytes and the states it leads to are the ones stated, merges give the
// stated state, and each refused delta is refused at its stage with its code or verdict. The
// state hashes are recomputed here with node:crypto, apart from the code under test.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { applyDelta, DeltaError, deltaSigningBytes, parseDelta, signDelta, verifyDelta, type UnsignedDelta, type WriterKeys } from "../../src/protocol/blackboard/delta.ts";
import { encodeValue, mergeValues, valueHash, type BlackboardValue } from "../../src/protocol/blackboard/value.ts";
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { signingKeyFromSeed } from "../../src/protocol/identity/keys.ts";
import { deterministicMlDsa65 } from "../../src/protocol/identity/noble.ts";
import { noble } from "../../src/protocol/identity/primitives.ts";
import { PATHS, vector } from "./paths.ts";

interface Party {
  seed: string;
  nodeId: string;
  publicKey: string;
}
interface Vectors {
  context: string;
  writer: Party;
  other: Party;
  deltas: { name: string; unsigned: UnsignedDelta; signingBytes: string; signed: unknown; after: BlackboardValue; afterHash: string }[];
  merges: { name: string; a: BlackboardValue; b: BlackboardValue; merged: BlackboardValue; hash: string }[];
  refused: { name: string; delta: unknown; stage: "parse" | "verify"; code?: string; verdict?: string }[];
}

const v = vector<Vectors>("blackboard/deltas.json");
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe.each(PATHS)("blackboard vectors (%s)", (_label, p) => {
  const keys: WriterKeys = {
    async keyOf(writer) {
      const party = [v.writer, v.other].find((x) => x.nodeId === writer);
      if (!party) return undefined;
      const key = await signingKey(p, party.publicKey);
      return { verify: (message, signature, context) => key.verify(signature, message, context) };
    },
  };

  it("verifies every delta and reaches every stated state", async () => {
    expect(v.context).toBe("mcpfed/1 blackboard-delta");
    const state = new Map<string, BlackboardValue>();
    for (const d of v.deltas) {
      const signed = parseDelta(d.signed);
      expect(new TextDecoder().decode(deltaSigningBytes(signed)), d.name).toBe(d.signingBytes);
      expect(await verifyDelta(signed, keys), d.name).toBe("valid");
      const after = applyDelta(state.get(signed.key), signed);
      state.set(signed.key, after);
      expect(JSON.parse(encodeValue(after)), d.name).toEqual(d.after);
      expect(valueHash(after), d.name).toBe(d.afterHash);
      expect(sha256(canonicalJson(d.after)), d.name).toBe(d.afterHash);
    }
  });

  it("merges as stated, in both orders", () => {
    for (const m of v.merges) {
      expect(JSON.parse(encodeValue(mergeValues(m.a, m.b))), m.name).toEqual(m.merged);
      expect(valueHash(mergeValues(m.b, m.a)), m.name).toBe(m.hash);
      expect(sha256(canonicalJson(m.merged)), m.name).toBe(m.hash);
    }
  });

  it("refuses each refused delta at its stage", async () => {
    for (const r of v.refused) {
      if (r.stage === "parse") {
        let code = "accepted";
        try {
          parseDelta(r.delta);
        } catch (err) {
          code = err instanceof DeltaError ? err.code : String(err);
        }
        expect(code, r.name).toBe(r.code);
      } else expect(await verifyDelta(parseDelta(r.delta), keys), r.name).toBe(r.verdict);
    }
  });
});

describe("blackboard vectors, deterministic signing", () => {
  it("re-signs every delta to the same bytes", async () => {
    const dp = { ...noble, mlDsa65: deterministicMlDsa65 };
    const signers = new Map<string, Awaited<ReturnType<typeof signingKeyFromSeed>>>();
    for (const party of [v.writer, v.other]) signers.set(party.nodeId, await signingKeyFromSeed(dp, fromBase64url(party.seed)));
    for (const d of v.deltas) {
      const k = signers.get(d.unsigned.writer)!;
      expect(await signDelta(d.unsigned, { nodeId: k.nodeId, sign: (m, c) => k.signer.sign(m, c) }), d.name).toEqual(d.signed);
    }
  });
});
