// The agent, intent and offer entry kinds (protocol §17.2–17.3): the vectors
// (test/vectors/registry/agents.json) checked against node:crypto and an independent JCS, the agent
// id recomputed with node:crypto, admission's refusal of each bad entry for its stated reason, and
// an agent entry claiming another origin caught by its signature alone.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isRejection, screen } from "../../src/protocol/registry/admission.ts";
import { verifyEntry } from "../../src/protocol/registry/signing.ts";
import { AGENT_KINDS, agentId } from "../../src/protocol/registry/agent-entries.ts";
import { entryKindVectors, expectRefusedEntries, expectSignedEntries } from "../support/entry-kind-vectors.ts";

const kind = entryKindVectors("registry/agents.json");
const { vectors, rules, keyring } = kind;

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
    await expectSignedEntries(kind);
  });

  it("are refused by admission as malformed, each for its stated reason", async () => {
    expect(vectors.refused.length).toBeGreaterThanOrEqual(15);
    await expectRefusedEntries(kind);
  });

  it("catch an agent entry claiming another origin by its signature, though its shape admits it", async () => {
    const screened = await screen(vectors.claimed.entry, rules);
    if (isRejection(screened)) throw new Error(screened.detail);
    expect(await verifyEntry(screened, keyring)).toBe("bad_signature");
    expect(vectors.claimed.verdict).toBe("bad_signature");
  });
});
