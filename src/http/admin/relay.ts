// The operator's subscription commands in the admin API: buy a peer's subscription for a tool
// priced that way, and list the grants this node holds.
import { Hono } from "hono";
import { z } from "zod";
import { fail, readJson } from "./respond.ts";
import { principalId, purchaseRefused } from "./charged-purchases.ts";
import type { AppEnv } from "../request/app-env.ts";
import { PeerRequestError } from "../../node/federation-client/errors.ts";
import type { Services } from "../../node/services.ts";
import { listSubscriptions, subscribe, SubscriptionError } from "../../node/relay/subscriptions.ts";

const subscribeInput = z.strictObject({
  /** The tool's name in this node's catalog, or its `<origin>/<key>` id. */
  tool: z.string().min(1).max(600),
  /** Bought for this principal: paid from the budget it is charged to, if any. */
  principal: principalId.optional(),
});

export function relayAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/subscriptions", async (c) => c.json({ subscriptions: await listSubscriptions(s) }));
  app.post("/subscriptions", async (c) => {
    const body = await readJson(c, subscribeInput);
    if (!body.ok) return body.res;
    const tool = (await s.federatedTools.get()).find((t) => t.shortName === body.value.tool || t.id === body.value.tool);
    if (!tool) return fail(c, "not_found", `no peer's tool named ${body.value.tool}`);
    try {
      const { charged, ...subscription } = await subscribe(s, tool, body.value.principal);
      return c.json({ subscription, ...(charged ? { charged } : {}) }, 201);
    } catch (err) {
      if (err instanceof SubscriptionError) return fail(c, "conflict", err.message);
      if (err instanceof PeerRequestError) return fail(c, "bad_gateway", `peer ${tool.alias}: ${err.message}`);
      return purchaseRefused(c, err);
    }
  });
  return app;
}
