// The operator's Privacy Pass commands (docs/protocol.md §15): buy tokens from a peer that issues
// them, list the wallet, and see this node's own issuer keys, how many tokens it sold and took, and
// the other issuers whose tokens it accepts (TOKEN_TRUSTED_ISSUERS).
import { Hono } from "hono";
import { z } from "zod";
import { fail, readJson } from "./respond.ts";
import type { AppEnv } from "../request/app-env.ts";
import { PeerRequestError } from "../../node/federation-client/errors.ts";
import { allPeers } from "../../node/peers/directory.ts";
import type { Services } from "../../node/services.ts";
import { issuerSummary, listIssuerKeyViews } from "../../node/tokens/issuer-keys.ts";
import { buyTokens, TokenSaleError } from "../../node/relay/token-purchase.ts";
import { listWallet } from "../../node/tokens/wallet.ts";
import { MAX_TOKENS_PER_SALE } from "../../protocol/tokens/sale.ts";
import { NODE_ID } from "../../protocol/identity/keys.ts";

const buyInput = z.strictObject({
  /** The issuer: a peer's node id or alias, or the id of a node whose card this node holds (bought through a forwarder). */
  origin: z.string().min(1).max(128),
  count: z.number().int().min(1).max(MAX_TOKENS_PER_SALE),
});

export function paymentTokenAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/payment-tokens", async (c) =>
    c.json({ wallet: await listWallet(s), issuer: { issuing: s.config.tokens.issue, unit: s.config.tokens.unit, value: s.config.tokens.value, trustedIssuers: s.config.tokens.trustedIssuers, keys: await listIssuerKeyViews(s), ...(await issuerSummary(s)) } }),
  );
  app.post("/payment-tokens", async (c) => {
    const body = await readJson(c, buyInput);
    if (!body.ok) return body.res;
    const peer = (await allPeers(s)).find((p) => p.nodeId === body.value.origin || p.alias === body.value.origin);
    if (!peer && !NODE_ID.test(body.value.origin)) return fail(c, "not_found", `no peer ${body.value.origin}, and not a node id`);
    try {
      return c.json({ purchase: await buyTokens(s, peer?.nodeId ?? body.value.origin, body.value.count) }, 201);
    } catch (err) {
      if (err instanceof TokenSaleError) return fail(c, "conflict", `${err.code}: ${err.message}`);
      if (err instanceof PeerRequestError) return fail(c, "bad_gateway", `peer ${body.value.origin}: ${err.message}`);
      throw err;
    }
  });
  return app;
}
