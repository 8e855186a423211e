// The agent, intent and offer entry kinds (protocol §17.2–17.3): the vectors
// (test/vectors/registry/agents.json) checked against node:crypto and an independent JCS, the agent
// id recomputed with node:crypto, admission's refusal of each bad entry for its stated reason, and
// an agent entry claiming another origin caught by its signature alone.
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import canonicalize from "canonicalize";
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { isRejection, screen } from "../../src/protocol/registry/admission.ts";
import { unsignedEntry } from "../../src/protocol/registry/entry.ts";
import { HybridClock } from "../../src/protocol/registry/hlc.ts";
import { ENTRY_CONTEXT, verifyEntry } from "../../src/protocol/registry/signing.ts";
import { AGENT_KINDS, agentId } from "../../src/protocol/registry/agent-entries.ts";

const vectors = JSON.parse(readFileSync(new URL("../vectors/registry/agents.json", import.meta.url), "utf8"));
const rules = { maxEntryBytes: 64 * 1024, clock: new HybridClock(() => vectors.clockMs), isBlocked: () => false, checkCard: async () => "no cards here" };
const keys = Object.fromEntries(
  Object.values(vectors.signers as Record<string, { publicKey: string; nodeId: string }>).map((s) => [s.nodeId, createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: s.publicKey }, format: "jwk" })]),
);
const keyring = {
  keyOf: async (origin: string) => {
    const key = keys[origin];
    return key && { verify: async (m: Uint8Array, s: Uint8Array, context: string) => verify(null, Buffer.concat([Buffer.from(context), Buffer.from([0]), m]), key, s) };
  },
};

describe("agent entry vectors", () => {
  it("give the agent id as SHA-256(node id ‖ 0x00 ‖ name), computed with node:crypto", () => {
    for (const a of vectors.agentIds) {
      const expected = createHash("sha256").update(Buffer.concat([Buffer.from(a.node), Buffer.from([0]), Buffer.from(a.name)])).digest("hex");
      expect(a.id).toBe(expected);
      expect(agentId(a.node, a.name)).toBe(expected);
    }
  });

  it("cover every kind, and match canonical bytes, ids and signatures computed with node:crypto", async () => {
    expect(new Set(vectors.entries.map((e: { signed: { kind: string } }) => e.signed.kind))).toEqual(new Set(AGENT_KINDS));
    for (const v of vectors.entries) {
      expect(unsignedEntry.parse(v.unsigned), v.name).toEqual(v.unsigned);
      expect(canonicalize(v.unsigned)).toBe(v.signingBytes);
      expect(canonicalize(v.signed)).toBe(v.canonical);
      expect(createHash("sha256").update(v.canonical).digest("hex")).toBe(v.id);
      const framed = Buffer.concat([Buffer.from(ENTRY_CONTEXT), Buffer.from([0]), Buffer.from(v.signingBytes)]);
      expect(verify(null, framed, keys[v.signed.origin]!, Buffer.from(fromBase64url(v.signed.sig))), v.name).toBe(true);
      const screened = await screen(JSON.parse(v.canonical), rules);
      expect(isRejection(screened) ? screened.detail : "admitted", v.name).toBe("admitted");
      if (!isRejection(screened)) expect(await verifyEntry(screened, keyring)).toBe("valid");
    }
  });

  it("are refused by admission as malformed, each for its stated reason", async () => {
    expect(vectors.refused.length).toBeGreaterThanOrEqual(15);
    for (const r of vectors.refused) {
      const screened = await screen(r.entry, rules);
      expect(isRejection(screened) && { reason: screened.reason, detail: screened.detail }, r.name).toEqual({ reason: r.reason, detail: r.detail });
    }
  });

  it("catch an agent entry claiming another origin by its signature, though its shape admits it", async () => {
    const screened = await screen(vectors.claimed.entry, rules);
    if (isRejection(screened)) throw new Error(screened.detail);
    expect(await verifyEntry(screened, keyring)).toBe("bad_signature");
    expect(vectors.claimed.verdict).toBe("bad_signature");
  });
});
