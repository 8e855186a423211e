// Each pricing model's quote and settlement, and that a price change reaches only later calls.
import { describe, expect, it } from "vitest";
import { PricingError, quoteOf, readPricing, settle, type Pricing } from "../../src/protocol/ledger/pricing.ts";
import { coveringGrant, grantId, signGrant } from "../../src/protocol/ledger/grant.ts";
import { signIntent, signReceipt } from "../../src/protocol/ledger/signing.ts";
import { ed25519TestSigner, TestKeyring } from "../support/ed25519.ts";

describe("pricing", () => {
  it("reads the registry entry's descriptor, null as free, and refuses anything else", () => {
    expect(readPricing(null)).toEqual({ model: "free" });
    expect(readPricing({ model: "per_call", amount: 3, unit: "credit" })).toEqual({ model: "per_call", amount: 3, unit: "credit" });
    expect(() => readPricing({ model: "per_call", amount: 0.5, unit: "credit" })).toThrow(PricingError);
    expect(() => readPricing({ model: "auction" })).toThrow(PricingError);
  });

  it("settles each model to the expected units and amount", () => {
    expect(settle(quoteOf({ model: "free" }), 1234)).toEqual({ units: 0, amount: 0 });
    expect(settle(quoteOf({ model: "per_call", amount: 250, unit: "usd-micro" }), 1234)).toEqual({ units: 1, amount: 250, unit: "usd-micro" });
    // A started second is billed whole.
    expect(settle(quoteOf({ model: "per_time", amount: 7, per: "second", unit: "credit" }), 2001)).toEqual({ units: 3, amount: 21, unit: "credit" });
    expect(settle(quoteOf({ model: "per_time", amount: 7, per: "second", unit: "credit" }), 0)).toEqual({ units: 0, amount: 0, unit: "credit" });
    expect(settle(quoteOf({ model: "per_time", amount: 2, per: "ms", unit: "credit" }), 1234)).toEqual({ units: 1234, amount: 2468, unit: "credit" });
    const grant = "ab".repeat(32);
    expect(settle(quoteOf({ model: "subscription", amount: 9000, periodSeconds: 3600, unit: "credit" }, { grant }), 50)).toEqual({ units: 1, amount: 0, unit: "credit" });
    expect(() => quoteOf({ model: "subscription", amount: 9000, periodSeconds: 3600, unit: "credit" })).toThrow(PricingError);
    expect(() => settle({ model: "per_call", amount: 1, unit: "c" }, -1)).toThrow(PricingError);
  });

  it("never bills a locally executed tool", () => {
    expect(quoteOf({ model: "per_call", amount: 250, unit: "usd-micro" }, { local: true })).toEqual({ model: "free" });
  });

  it("bills each call at the price its intent pinned, so a price change reaches only later calls", async () => {
    const [c, p] = await Promise.all([ed25519TestSigner(), ed25519TestSigner()]);
    const tool = { id: "p/demo/echo", fingerprint: `sha256:${"00".repeat(32)}` };
    let current: Pricing = { model: "per_call", amount: 100, unit: "credit" };
    const before = await signIntent(c.signer, { provider: p.signer.nodeId, tool, params: {}, price: quoteOf(current), requestedAt: 1 });
    current = { model: "per_call", amount: 300, unit: "credit" };
    const after = await signIntent(c.signer, { provider: p.signer.nodeId, tool, params: {}, price: quoteOf(current), requestedAt: 2 });
    // The earlier call completes after the change, and still costs what was quoted.
    const late = await signReceipt(p.signer, before, { result: 1, durationMs: 9, completedAt: 20 });
    const next = await signReceipt(p.signer, after, { result: 1, durationMs: 9, completedAt: 21 });
    expect([late.receipt.amount, next.receipt.amount]).toEqual([100, 300]);
  });

  it("grants a subscription period that covers calls by its consumer to its tool only", async () => {
    const [c, p, other] = await Promise.all([ed25519TestSigner(), ed25519TestSigner(), ed25519TestSigner()]);
    const keys = new TestKeyring().add(c, p, other);
    const pricing: Pricing = { model: "subscription", amount: 9000, periodSeconds: 60, unit: "credit" };
    const g = await signGrant(p.signer, pricing, { consumer: c.signer.nodeId, tool: "p/demo/echo", from: 1_000 });
    expect(g.grant).toMatchObject({ until: 61_000, amount: 9000 });
    const at = { provider: p.signer.nodeId, consumer: c.signer.nodeId, tool: "p/demo/echo", at: 30_000 };
    expect(await coveringGrant(keys, g, at)).toBe(await grantId(g.grant));
    expect(await coveringGrant(keys, g, { ...at, at: 61_000 })).toBeUndefined();
    expect(await coveringGrant(keys, g, { ...at, consumer: other.signer.nodeId })).toBeUndefined();
    expect(await coveringGrant(keys, g, { ...at, provider: other.signer.nodeId })).toBeUndefined();
    expect(await coveringGrant(keys, { ...g, grant: { ...g.grant, until: 999_999 } }, at)).toBeUndefined();
    expect(quoteOf(pricing, { grant: await grantId(g.grant) })).toEqual({ model: "subscription", grant: await grantId(g.grant), unit: "credit" });
  });
});
