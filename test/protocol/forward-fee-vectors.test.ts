// The forwarding fee's vectors (docs/protocol.md §12.5): hashes, messages, the record and B's
// decisions, reproduced from the file alone.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { forwardFee } from "../../src/protocol/card/schema.ts";
import { acceptIntent } from "../../src/protocol/ledger/acceptance.ts";
import { verifyRecord } from "../../src/protocol/ledger/signing.ts";
import { signingKey } from "../../src/protocol/identity/imported.ts";
import { noble } from "../../src/protocol/identity/primitives.ts";
import { forwardRequest } from "../../src/protocol/routes/forward.ts";
import { feePricing, feeRequestHash, feeResultHash, feeTool, forwardFeeFrame, withinCap } from "../../src/protocol/routes/forward-fee.ts";

const v = JSON.parse(readFileSync(new URL("../vectors/routes/forward-fee.json", import.meta.url), "utf8"));
const verifier = {
  async keyOf(node: string) {
    const party = [v.consumer, v.forwarder].find((p: { nodeId: string }) => p.nodeId === node);
    if (!party) return undefined;
    const key = await signingKey(noble, party.publicKey);
    return { verify: (m: Uint8Array, s: Uint8Array, c: string) => key.verify(s, m, c) };
  },
};

describe("forwarding fee vectors", () => {
  it("reproduce the tool, the request and result hashes, and the price", async () => {
    expect(await feeTool(v.forwarder.nodeId, v.fee)).toEqual(v.tool);
    expect(await feeRequestHash(v.envelope)).toBe(v.requestHash);
    expect(await feeResultHash(v.destination)).toBe(v.resultHash);
    expect(v.message.fee.intent).toMatchObject({ tool: v.tool, request: v.requestHash, price: feePricing(v.fee), provider: v.forwarder.nodeId, consumer: v.consumer.nodeId });
  });

  it("parse the message and the frame, and the record verifies as confirmed", async () => {
    expect(forwardRequest.safeParse(v.message).success).toBe(true);
    expect(forwardFeeFrame.safeParse(v.frame).success).toBe(true);
    expect(await verifyRecord(verifier, v.frame.receipt)).toBe("pending");
    expect(await verifyRecord(verifier, v.record)).toBe("valid");
    expect(await verifyRecord(verifier, { ...v.record, receipt: { ...v.record.receipt, amount: 2 } })).not.toBe("valid");
  });

  it("B accepts the intent under its fee and refuses it under the others", async () => {
    const offer = { self: v.forwarder.nodeId, tool: v.tool, pricing: feePricing(v.fee), now: v.message.fee.intent.requestedAt };
    expect((await acceptIntent(verifier, v.message.fee, offer)).ok).toBe(true);
    for (const r of v.refusedIntents) expect(await acceptIntent(verifier, v.message.fee, { ...r.offer, now: offer.now }), r.name).toEqual({ ok: false, reason: r.reason });
  });

  it("refuse what does not parse, and say what is within a cap", () => {
    for (const b of v.badFees) expect(forwardFee.safeParse(b.fee).success, b.name).toBe(false);
    for (const b of v.badMessages) expect(forwardRequest.safeParse(b.message).success, b.name).toBe(false);
    for (const b of v.badFrames) expect(forwardFeeFrame.safeParse(b.frame).success, b.name).toBe(false);
    for (const c of v.capCases) expect(withinCap(c.fee, new Map(Object.entries(c.caps)))).toBe(c.within);
  });
});
