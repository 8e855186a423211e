// The operator's settlements in the admin API (protocol §16): paying a peer, confirming a payment
// received, the adapters' configuration (the secret key goes in, never comes out) and payment thresholds.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { nodeId } from "../../protocol/registry/entry.ts";
import { currencyUnit } from "../../protocol/ledger/pricing.ts";
import { SETTLEMENT_METHODS } from "../../protocol/ledger/settlement.ts";
import { findPeer } from "../../node/peers/directory.ts";
import type { Services } from "../../node/services.ts";
import { SettlementRefused } from "../../node/ledger/settlement/settlements.ts";
import { StripeError } from "../../node/ledger/settlement/stripe.ts";
import type { StoredRecord } from "../../node/ledger/ledger.ts";

const amount = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const settleBody = z.strictObject({ peer: z.string().min(1).max(128), unit: currencyUnit, amount, method: z.enum(SETTLEMENT_METHODS), reference: z.string().min(1).max(200).optional() });
const stripeId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9_]{1,100}$`));
const stripeBody = z.strictObject({
  secretKey: z.string().regex(/^(sk|rk)_[A-Za-z0-9_]{8,250}$/, "a Stripe secret or restricted key"),
  customer: stripeId("cus").optional(),
  paymentMethod: stripeId("pm").optional(),
  destination: stripeId("acct").optional(),
  /** Stripe's API by default; another base only for a test double. */
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
});
const thresholdBody = z.strictObject({ amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });

function settlementView(r: StoredRecord) {
  const { settlement, sigs } = JSON.parse(r.record) as { settlement: Record<string, unknown>; sigs: { payee?: string } };
  return { id: r.id, peer: r.peer, side: r.role === "consumer" ? "payer" : "payee", status: r.status, reason: r.reason, confirmed: sigs.payee !== undefined, settlement };
}

export function settlementAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { settlements, methods, thresholds } = s.settlement;

  app.get("/ledger/settlements", async (c) => c.json({ settlements: (await settlements.list()).map(settlementView) }));

  app.post("/ledger/settlements", async (c) => {
    const body = await readJson(c, settleBody);
    if (!body.ok) return body.res;
    const peer = await findPeer(s, body.value.peer);
    if (!peer) return fail(c, "not_found", "no such peer");
    if (peer.state !== "active") return fail(c, "conflict", `the peer is ${peer.state}, not active`);
    try {
      const settled = await settlements.settle({ ...body.value, peer: peer.nodeId });
      return c.json(settled, 201);
    } catch (err) {
      if (err instanceof SettlementRefused) return fail(c, err.code === "not_payable" ? "unsupported" : "invalid_request", err.message);
      if (err instanceof StripeError) return fail(c, "bad_gateway", `${err.message} (${err.kind})`);
      throw err;
    }
  });

  app.post("/ledger/settlements/:id/confirm", async (c) => {
    const id = c.req.param("id");
    if (!/^[0-9a-f]{64}$/.test(id)) return fail(c, "invalid_request", "a settlement id is 64 hex characters");
    try {
      const record = await settlements.confirm(id);
      // The payer gets its copy by reconciliation; started now rather than on its turn in the tick.
      c.get("defer")(s.ledgerSync.reconcileWith(record.settlement.payer).catch(() => undefined));
      return c.json({ record });
    } catch (err) {
      if (err instanceof SettlementRefused) return fail(c, err.code === "not_found" ? "not_found" : "conflict", err.message);
      throw err;
    }
  });

  app.get("/ledger/settlement-methods", async (c) => c.json({ methods: await methods.list() }));

  app.put("/ledger/settlement-methods/stripe", async (c) => {
    const body = await readJson(c, stripeBody);
    if (!body.ok) return body.res;
    const { secretKey, ...settings } = body.value;
    return c.json(await methods.set("stripe", { secret: secretKey, settings: Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as Record<string, string> }));
  });

  app.delete("/ledger/settlement-methods/stripe", async (c) => ((await methods.remove("stripe")) ? c.body(null, 204) : fail(c, "not_found", "stripe is not configured")));

  app.get("/ledger/thresholds", async (c) => c.json({ thresholds: await thresholds.list() }));

  app.put("/ledger/thresholds/:peer/:unit", async (c) => {
    const body = await readJson(c, thresholdBody);
    if (!body.ok) return body.res;
    const unit = currencyUnit.safeParse(c.req.param("unit"));
    if (!unit.success) return fail(c, "invalid_request", "not a currency unit");
    const peer = await findPeer(s, c.req.param("peer"));
    if (!peer || !nodeId.safeParse(peer.nodeId).success) return fail(c, "not_found", "no such peer");
    await thresholds.set(peer.nodeId, unit.data, body.value.amount);
    return c.json({ peer: peer.nodeId, unit: unit.data, amount: body.value.amount });
  });

  app.delete("/ledger/thresholds/:peer/:unit", async (c) => {
    const peer = await findPeer(s, c.req.param("peer"));
    if (!peer) return fail(c, "not_found", "no such peer");
    return (await thresholds.remove(peer.nodeId, c.req.param("unit"))) ? c.body(null, 204) : fail(c, "not_found", "no such threshold");
  });

  return app;
}
