// The provider's checks on an intent before it runs a call: signature, address, tool, current
// price, and for subscriptions a grant of its own that covers the call.
import { beforeEach, describe, expect, it } from "vitest";
import { acceptIntent, acceptPurchase, type Offer } from "../../src/protocol/ledger/acceptance.ts";
import { grantId, grantTerms, signGrant } from "../../src/protocol/ledger/grant.ts";
import { quoteOf, settle, type Pricing, type Quote } from "../../src/protocol/ledger/pricing.ts";
import { signIntent, signReceipt } from "../../src/protocol/ledger/signing.ts";
import { ed25519TestSigner, TestKeyring, type TestIdentity } from "../support/ed25519.ts";

const TOOL = { id: "p/demo/echo", fingerprint: `sha256:${"12".repeat(32)}` };
const PER_CALL: Pricing = { model: "per_call", amount: 5, unit: "credit" };
const SUBSCRIPTION: Pricing = { model: "subscription", amount: 900, periodSeconds: 60, unit: "credit" };

let c: TestIdentity;
let p: TestIdentity;
let other: TestIdentity;
let keys: TestKeyring;
let offer: Offer;

beforeEach(async () => {
  [c, p, other] = await Promise.all([ed25519TestSigner(), ed25519TestSigner(), ed25519TestSigner()]);
  keys = new TestKeyring().add(c, p, other);
  offer = { self: p.signer.nodeId, tool: TOOL, pricing: PER_CALL, now: 10_000 };
});

const intentAt = (pricing: Pricing, grant?: string, tool = TOOL, provider = p.signer.nodeId) =>
  signIntent(c.signer, { provider, tool, params: { name: "echo" }, price: quoteOf(pricing, grant ? { grant } : {}), requestedAt: 9_000 });

describe("intent acceptance", () => {
  it("accepts an intent signed by its consumer at the current price", async () => {
    const intent = await intentAt(PER_CALL);
    expect(await acceptIntent(keys, intent, offer)).toEqual({ ok: true, intent });
  });

  it("refuses a stale quote after a price change, and accepts the re-quoted one", async () => {
    const stale = await intentAt(PER_CALL);
    const raised: Offer = { ...offer, pricing: { ...PER_CALL, amount: 7 } };
    expect(await acceptIntent(keys, stale, raised)).toEqual({ ok: false, reason: "price_changed" });
    expect((await acceptIntent(keys, await intentAt(raised.pricing), raised)).ok).toBe(true);
  });

  it("refuses another node's call, another tool version, and an intent altered after signing", async () => {
    expect(await acceptIntent(keys, await intentAt(PER_CALL, undefined, TOOL, other.signer.nodeId), offer)).toEqual({ ok: false, reason: "not_addressed" });
    expect(await acceptIntent(keys, await intentAt(PER_CALL, undefined, { ...TOOL, fingerprint: `sha256:${"34".repeat(32)}` }), offer)).toEqual({ ok: false, reason: "wrong_tool" });
    const cheap = await intentAt(PER_CALL);
    cheap.intent.price = { ...PER_CALL, amount: 0 };
    expect(await acceptIntent(keys, cheap, { ...offer, pricing: cheap.intent.price })).toEqual({ ok: false, reason: "bad_intent_signature" });
    expect(await acceptIntent(keys, { intent: {} }, offer)).toEqual({ ok: false, reason: "malformed" });
  });

  it("runs a subscription call only under a grant of its own covering it, at 0 per call with the grant named", async () => {
    const sub: Offer = { ...offer, pricing: SUBSCRIPTION };
    const g = await signGrant(p.signer, SUBSCRIPTION, { consumer: c.signer.nodeId, tool: TOOL.id, from: 5_000 });
    const id = await grantId(g.grant);
    const intent = await intentAt(SUBSCRIPTION, id);
    expect(await acceptIntent(keys, intent, sub)).toEqual({ ok: false, reason: "no_grant" });
    expect(await acceptIntent(keys, intent, { ...sub, grant: g, now: 65_000 })).toEqual({ ok: false, reason: "no_grant" });
    const foreign = await signGrant(other.signer, SUBSCRIPTION, { consumer: c.signer.nodeId, tool: TOOL.id, from: 5_000 });
    expect(await acceptIntent(keys, intent, { ...sub, grant: foreign })).toEqual({ ok: false, reason: "no_grant" });
    expect(await acceptIntent(keys, intent, { ...sub, grant: g })).toEqual({ ok: true, intent });
    const r = await signReceipt(p.signer, intent, { result: null, durationMs: 3, completedAt: 10_003 });
    expect(r.intent.price).toEqual({ model: "subscription", grant: id, unit: "credit" });
    expect(r.receipt).toMatchObject({ units: 1, amount: 0, unit: "credit" });
  });
});

describe("subscription purchase", () => {
  const buy = async (terms: ReturnType<typeof grantTerms>, price?: Quote) =>
    signIntent(c.signer, {
      provider: p.signer.nodeId,
      tool: TOOL,
      params: terms,
      price: price ?? { model: "grant", grant: await grantId(terms), amount: terms.amount, unit: terms.unit },
      requestedAt: 9_000,
    });
  const sub = () => ({ self: p.signer.nodeId, tool: TOOL, pricing: SUBSCRIPTION, now: 10_000, skewMs: 5_000 });
  const termsAt = (from: number, pricing: Pricing = SUBSCRIPTION) => grantTerms(pricing, { provider: p.signer.nodeId, consumer: c.signer.nodeId, tool: TOOL.id, from });

  it("accepts terms at the current price and period, starting now, bought by an intent naming that grant", async () => {
    const terms = termsAt(10_000);
    const intent = await buy(terms);
    expect(await acceptPurchase(keys, { intent, grant: terms }, sub())).toEqual({ ok: true, intent, grant: terms });
    expect(settle(intent.intent.price, 0)).toEqual({ units: 1, amount: 900, unit: "credit" });
  });

  it("refuses cheaper terms, a longer period, a start far from now, someone else's terms, and an intent for other terms", async () => {
    const cheap = termsAt(10_000, { ...SUBSCRIPTION, amount: 1 });
    expect(await acceptPurchase(keys, { intent: await buy(cheap), grant: cheap }, sub())).toEqual({ ok: false, reason: "bad_terms" });
    const long = termsAt(10_000, { ...SUBSCRIPTION, periodSeconds: 6000 });
    expect(await acceptPurchase(keys, { intent: await buy(long), grant: long }, sub())).toEqual({ ok: false, reason: "bad_terms" });
    const late = termsAt(60_000);
    expect(await acceptPurchase(keys, { intent: await buy(late), grant: late }, sub())).toEqual({ ok: false, reason: "bad_terms" });
    const theirs = { ...termsAt(10_000), consumer: other.signer.nodeId };
    expect(await acceptPurchase(keys, { intent: await buy(theirs), grant: theirs }, sub())).toEqual({ ok: false, reason: "bad_terms" });
    const terms = termsAt(10_000);
    const otherTerms = termsAt(10_000);
    expect(await acceptPurchase(keys, { intent: await buy(otherTerms), grant: terms }, sub())).toEqual({ ok: false, reason: "price_changed" });
    const underpaid = await buy(terms, { model: "grant", grant: await grantId(terms), amount: 1, unit: "credit" });
    expect(await acceptPurchase(keys, { intent: underpaid, grant: terms }, sub())).toEqual({ ok: false, reason: "price_changed" });
  });
});
