// GET /.well-known/mcpfed: the node card, public, for peers and for anyone checking a node.
import { Hono } from "hono";
import type { AppEnv } from "./request/app-env.ts";
import { ownOrigin } from "../node/card/own.ts";
import type { Services } from "../node/services.ts";
import { CARD_CONTENT_TYPE, CARD_PATH } from "../protocol/card/schema.ts";

export function cardRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get(CARD_PATH, async (c) => {
    const card = await (await s.card()).get(ownOrigin(s, c.req.url), s.now());
    return c.body(JSON.stringify(card), 200, { "content-type": CARD_CONTENT_TYPE, "cache-control": "public, max-age=300" });
  });
  return app;
}
