// The Stripe adapter: PaymentIntents over Stripe's HTTP API (form-encoded, Bearer key, an
// Idempotency-Key per settlement so a retried payment is one payment). The payer creates and
// confirms a PaymentIntent carrying the settlement's id in its metadata; the payee retrieves it by
// the settlement's reference and checks status, amount, currency and that id. Error bodies are
// reduced to Stripe's type and code: neither the key nor a raw answer reaches a log or a caller.
import type { Settlement } from "../../../protocol/ledger/settlement.ts";
import type { Due, SettlementAdapter, Verification } from "./adapter.ts";

export const STRIPE_API_URL = "https://api.stripe.com";
const TIMEOUT_MS = 20_000;
const MAX_ANSWER_BYTES = 64 * 1024;

export interface StripeSettings {
  /** The customer and saved payment method the payer pays with (`cus_…`, `pm_…`); a payee needs neither. */
  customer?: string;
  paymentMethod?: string;
  /** A Connect account to send the funds to (`transfer_data[destination]`). */
  destination?: string;
}

export type StripeErrorKind = "not_payable" | "card_error" | "invalid_request" | "authentication" | "rate_limited" | "api_error" | "unreachable" | "bad_answer";

export class StripeError extends Error {
  override name = "StripeError";
  constructor(
    readonly kind: StripeErrorKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface PaymentIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  currency: string;
  status: string;
  metadata?: Record<string, string>;
}

/** Stripe names currencies by lowercase ISO 4217 code and counts in their smallest unit, as the ledger does. */
const currencyOf = (unit: string) => (/^[A-Za-z]{3}$/.test(unit) ? unit.toLowerCase() : undefined);

function kindOf(status: number, type: string | undefined): StripeErrorKind {
  if (status === 401 || status === 403) return "authentication";
  if (status === 429) return "rate_limited";
  if (type === "card_error") return "card_error";
  if (type === "invalid_request_error") return "invalid_request";
  return "api_error";
}

export class StripeAdapter implements SettlementAdapter {
  readonly method = "stripe" as const;

  constructor(
    private readonly o: { secret: string; settings: StripeSettings; apiUrl: string; fetch: typeof fetch },
  ) {}

  async pay(due: Due): Promise<string> {
    const currency = currencyOf(due.unit);
    if (!currency) throw new StripeError("not_payable", `${due.unit} is not an ISO 4217 currency Stripe can charge`);
    const { customer, paymentMethod, destination } = this.o.settings;
    if (!customer || !paymentMethod) throw new StripeError("not_payable", "the Stripe adapter has no customer and payment method to pay with");
    const form = new URLSearchParams({
      amount: String(due.amount),
      currency,
      customer,
      payment_method: paymentMethod,
      confirm: "true",
      off_session: "true",
      "metadata[mcpfed_settlement]": due.settlementId,
      "metadata[mcpfed_payee]": due.payee,
    });
    if (destination) form.set("transfer_data[destination]", destination);
    const pi = await this.#request("POST", "/v1/payment_intents", form, due.settlementId);
    if (pi.status !== "succeeded" && pi.status !== "processing") throw new StripeError("card_error", `the payment is ${pi.status}`, undefined, pi.status);
    return pi.id;
  }

  async verify(s: Settlement): Promise<Verification> {
    if (!/^pi_[A-Za-z0-9_]{1,100}$/.test(s.reference)) return "unpaid";
    let pi: PaymentIntent;
    try {
      pi = await this.#request("GET", `/v1/payment_intents/${s.reference}`);
    } catch (err) {
      // No such PaymentIntent on this account: nothing was paid here under that reference.
      if (err instanceof StripeError && err.status === 404) return "unpaid";
      throw err;
    }
    const matches = pi.id === s.reference && pi.amount === s.amount && pi.currency === currencyOf(s.unit) && pi.metadata?.mcpfed_settlement === s.id;
    return matches && pi.status === "succeeded" ? "paid" : "unpaid";
  }

  async #request(method: "GET" | "POST", path: string, form?: URLSearchParams, idempotencyKey?: string): Promise<PaymentIntent> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.o.secret}`, accept: "application/json" };
    if (form) headers["content-type"] = "application/x-www-form-urlencoded";
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    let res: Response;
    try {
      res = await this.o.fetch(new URL(path, this.o.apiUrl).toString(), { method, headers, body: form?.toString(), signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw new StripeError("unreachable", `Stripe did not answer: ${err instanceof Error ? err.name : "error"}`);
    }
    const text = await res.text();
    if (text.length > MAX_ANSWER_BYTES) throw new StripeError("bad_answer", "Stripe's answer is too large", res.status);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new StripeError("bad_answer", "Stripe's answer is not JSON", res.status);
    }
    if (!res.ok) {
      const e = (body as { error?: { type?: unknown; code?: unknown } } | null)?.error;
      const type = typeof e?.type === "string" ? e.type : undefined;
      const code = typeof e?.code === "string" ? e.code.slice(0, 64) : undefined;
      throw new StripeError(kindOf(res.status, type), `Stripe refused: ${type ?? "error"}${code ? ` (${code})` : ""}`, res.status, code);
    }
    const pi = body as Partial<PaymentIntent> | null;
    if (pi?.object !== "payment_intent" || typeof pi.id !== "string" || typeof pi.amount !== "number" || typeof pi.currency !== "string" || typeof pi.status !== "string") {
      throw new StripeError("bad_answer", "Stripe's answer is not a PaymentIntent", res.status);
    }
    return pi as PaymentIntent;
  }
}
