// `GET /federation/v1/packages/index` (protocol §18.4): this node's signed package index; and
// `…/index/<origin>`: another origin's, as a mirror last accepted it. Public, no envelope: whoever
// reads one checks the origin's signature, its expiry and its sequence.
import { Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { currentOwnIndex } from "../../node/packages/own-index.ts";
import { servedIndexOf } from "../../node/packages/mirror.ts";
import { identitySigner } from "../../node/registry/node-keys.ts";

const notServed = { error: { code: "not_found", message: "this node serves no package index of that origin" } };

export function packageIndexRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/federation/v1/packages/index", async (c) => {
    const own = await currentOwnIndex({ db: s.db, nodeId: s.nodeId, signer: async () => identitySigner(await s.identity()) }, Date.now());
    return own ? c.json(own.index, 200, { "cache-control": "no-cache" }) : c.json(notServed, 404);
  });
  app.get("/federation/v1/packages/index/:origin", async (c) => {
    const signed = await servedIndexOf(s, c.req.param("origin"), Date.now());
    return signed ? c.body(signed, 200, { "content-type": "application/json", "cache-control": "no-cache" }) : c.json(notServed, 404);
  });
  return app;
}
