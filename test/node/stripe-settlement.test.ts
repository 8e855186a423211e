// The Stripe settlement adapter against a loopback double of Stripe's PaymentIntents API (Stripe's
// own mock server has no build that runs here; test/support/stripe-double.ts): a payment the payee
// can see is paid, one it cannot, for another amount or another settlement is unpaid, and Stripe's
// errors come back typed, without the key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StripeAdapter, StripeError } from "../../src/node/ledger/settlement/stripe.ts";
import type { Settlement } from "../../src/protocol/ledger/settlement.ts";
import { startStripeDouble, type StripeDouble } from "../support/stripe-double.ts";

let stripe: StripeDouble;
let payer: StripeAdapter;
let payee: StripeAdapter;

beforeAll(async () => {
  stripe = await startStripeDouble();
  const base = { secret: stripe.key, apiUrl: stripe.url, fetch: globalThis.fetch };
  payer = new StripeAdapter({ ...base, settings: { customer: "cus_payer", paymentMethod: "pm_card_visa" } });
  payee = new StripeAdapter({ ...base, settings: {} });
});
afterAll(() => stripe.close());

const ID = "ab".repeat(32);
const settlementOf = (reference: string, over: Partial<Settlement> = {}): Settlement => ({
  v: "mcpfed/1",
  type: "settlement",
  id: ID,
  payer: "payer-node",
  payee: "payee-node",
  unit: "EUR",
  amount: 1250,
  method: "stripe",
  reference,
  paidAt: 1,
  ...over,
});

describe("Stripe settlement adapter", () => {
  it("pays with a confirmed PaymentIntent carrying the settlement id, once per settlement, and the payee sees it paid", async () => {
    const reference = await payer.pay({ settlementId: ID, payee: "payee-node", unit: "EUR", amount: 1250 });
    const sent = stripe.requests.at(-1)!;
    expect(sent).toMatchObject({ method: "POST", path: "/v1/payment_intents", authorization: `Bearer ${stripe.key}`, idempotencyKey: ID });
    expect(sent.form).toMatchObject({ amount: "1250", currency: "eur", customer: "cus_payer", payment_method: "pm_card_visa", confirm: "true", "metadata[mcpfed_settlement]": ID });
    // A retry is the same payment (Idempotency-Key).
    expect(await payer.pay({ settlementId: ID, payee: "payee-node", unit: "EUR", amount: 1250 })).toBe(reference);
    expect(stripe.intents.size).toBe(1);
    expect(await payee.verify(settlementOf(reference))).toBe("paid");
  });

  it("finds unpaid: an unknown reference, another amount, currency or settlement, a payment not succeeded", async () => {
    const reference = await payer.pay({ settlementId: "cd".repeat(32), payee: "payee-node", unit: "EUR", amount: 500 });
    expect(await payee.verify(settlementOf(reference, { id: "cd".repeat(32), amount: 500 }))).toBe("paid");
    expect(await payee.verify(settlementOf(reference, { id: "cd".repeat(32), amount: 501 }))).toBe("unpaid");
    expect(await payee.verify(settlementOf(reference, { id: "cd".repeat(32), unit: "USD", amount: 500 }))).toBe("unpaid");
    expect(await payee.verify(settlementOf(reference, { amount: 500 }))).toBe("unpaid");
    expect(await payee.verify(settlementOf("pi_000999nothing"))).toBe("unpaid");
    expect(await payee.verify(settlementOf("not a payment id"))).toBe("unpaid");
    stripe.confirmAs("requires_action");
    const pending = await payer.pay({ settlementId: "ef".repeat(32), payee: "payee-node", unit: "EUR", amount: 700 }).catch((e: unknown) => e);
    stripe.confirmAs("succeeded");
    expect(pending).toBeInstanceOf(StripeError);
    expect(pending).toMatchObject({ kind: "card_error" });
    const [unconfirmed] = [...stripe.intents.values()].filter((p) => p.status === "requires_action");
    expect(await payee.verify(settlementOf(unconfirmed!.id, { id: "ef".repeat(32), amount: 700 }))).toBe("unpaid");
  });

  it("types Stripe's errors and never shows the key", async () => {
    const cases: [number, string, string | undefined, string][] = [
      [402, "card_error", "card_declined", "card_error"],
      [500, "api_error", undefined, "api_error"],
      [429, "rate_limit_error", undefined, "rate_limited"],
      [400, "invalid_request_error", "parameter_missing", "invalid_request"],
    ];
    for (const [status, type, code, kind] of cases) {
      stripe.failNext(status, type, code);
      const err = await payer.pay({ settlementId: ID.replace("a", "9"), payee: "payee-node", unit: "EUR", amount: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StripeError);
      expect(err).toMatchObject({ kind, status, ...(code ? { code } : {}) });
      expect(`${String(err)} ${JSON.stringify(err)}`).not.toContain(stripe.key);
    }
    const wrongKey = new StripeAdapter({ secret: "sk_test_wrong_key_000000", settings: {}, apiUrl: stripe.url, fetch: globalThis.fetch });
    const denied = await wrongKey.verify(settlementOf("pi_000001double")).catch((e: unknown) => e);
    expect(denied).toMatchObject({ kind: "authentication", status: 401 });
    expect(String(denied)).not.toContain("sk_test_wrong_key_000000");
    const down = new StripeAdapter({ secret: stripe.key, settings: {}, apiUrl: "http://127.0.0.1:9", fetch: globalThis.fetch });
    expect(await down.verify(settlementOf("pi_000001double")).catch((e: unknown) => e)).toMatchObject({ kind: "unreachable" });
    expect(await payer.pay({ settlementId: ID, payee: "payee-node", unit: "credit", amount: 1 }).catch((e: unknown) => e)).toMatchObject({ kind: "not_payable" });
    expect(await payee.pay({ settlementId: ID, payee: "payee-node", unit: "EUR", amount: 1 }).catch((e: unknown) => e)).toMatchObject({ kind: "not_payable" });
  });
});
