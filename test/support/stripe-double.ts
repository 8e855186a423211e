// A loopback stand-in for Stripe's PaymentIntents API, for the Stripe settlement adapter's tests.
// Stripe's official mock server (stripe-mock) is a Go binary with no npm build, so it cannot run
// here (docs/testing.md). This double follows Stripe's documented shapes: form-encoded requests,
// `Authorization: Bearer`, Idempotency-Key replays, PaymentIntent objects, and errors as
// `{ error: { type, code, message } }` with Stripe's status codes. It keeps what it was sent, so a
// test can check what reached "Stripe".
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface PaymentIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  currency: string;
  status: string;
  customer: string | null;
  payment_method: string | null;
  metadata: Record<string, string>;
}

export interface StripeDouble {
  url: string;
  key: string;
  intents: Map<string, PaymentIntent>;
  /** Requests as received: method, path, headers and the decoded form. */
  requests: { method: string; path: string; authorization: string | undefined; idempotencyKey: string | undefined; form: Record<string, string> }[];
  /** The next request answers this status and error instead (once). */
  failNext(status: number, type: string, code?: string): void;
  /** What a newly confirmed PaymentIntent's status becomes (default succeeded). */
  confirmAs(status: string): void;
  close(): Promise<void>;
}

export async function startStripeDouble(key = "sk_test_double_0123456789abcdef"): Promise<StripeDouble> {
  const intents = new Map<string, PaymentIntent>();
  const byIdempotency = new Map<string, string>();
  const requests: StripeDouble["requests"] = [];
  let failure: { status: number; type: string; code?: string } | undefined;
  let confirmed = "succeeded";
  let n = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const form = Object.fromEntries(new URLSearchParams(body));
      const idempotencyKey = req.headers["idempotency-key"] as string | undefined;
      requests.push({ method: req.method ?? "", path, authorization: req.headers.authorization, idempotencyKey, form });
      const send = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json", "request-id": `req_${++n}` }).end(JSON.stringify(value));
      const error = (status: number, type: string, code: string | undefined, message: string) => send(status, { error: { type, ...(code ? { code } : {}), message } });
      if (req.headers.authorization !== `Bearer ${key}`) return error(401, "invalid_request_error", undefined, "Invalid API Key provided.");
      if (failure) {
        const f = failure;
        failure = undefined;
        return error(f.status, f.type, f.code, "A failure the test asked for.");
      }
      const one = /^\/v1\/payment_intents\/([A-Za-z0-9_]+)$/.exec(path);
      if (req.method === "GET" && one) {
        const pi = intents.get(one[1]!);
        return pi ? send(200, pi) : error(404, "invalid_request_error", "resource_missing", `No such payment_intent: '${one[1]}'`);
      }
      if (req.method === "POST" && path === "/v1/payment_intents") {
        if (idempotencyKey && byIdempotency.has(idempotencyKey)) return send(200, intents.get(byIdempotency.get(idempotencyKey)!));
        const amount = Number(form.amount);
        if (!Number.isInteger(amount) || amount < 1) return error(400, "invalid_request_error", "parameter_invalid_integer", "Invalid integer: amount");
        if (!/^[a-z]{3}$/.test(form.currency ?? "")) return error(400, "invalid_request_error", "parameter_invalid_empty", "Invalid currency");
        const metadata: Record<string, string> = {};
        for (const [k, v] of Object.entries(form)) {
          const m = /^metadata\[(.+)\]$/.exec(k);
          if (m) metadata[m[1]!] = v;
        }
        const pi: PaymentIntent = {
          id: `pi_${(++n).toString().padStart(6, "0")}double`,
          object: "payment_intent",
          amount,
          currency: form.currency!,
          status: form.confirm === "true" ? confirmed : "requires_confirmation",
          customer: form.customer ?? null,
          payment_method: form.payment_method ?? null,
          metadata,
        };
        intents.set(pi.id, pi);
        if (idempotencyKey) byIdempotency.set(idempotencyKey, pi.id);
        return send(200, pi);
      }
      return error(404, "invalid_request_error", undefined, `Unrecognized request URL (${req.method}: ${path}).`);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    key,
    intents,
    requests,
    failNext: (status, type, code) => (failure = { status, type, ...(code ? { code } : {}) }),
    confirmAs: (status) => (confirmed = status),
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
