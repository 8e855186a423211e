// GET /.well-known/mcpfed: the node card, public, for peers and for anyone checking a node.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { Services } from "../services.ts";
import { CARD_CONTENT_TYPE, CARD_PATH } from "./schema.ts";

/** The origin this node's card names: PUBLIC_URL's, or the one the request reached. */
export function ownOrigin(s: Services, requestUrl: string): string {
  return s.config.publicUrl?.origin ?? new URL(requestUrl).origin;
}

export function cardRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get(CARD_PATH, async (c) => {
    const card = await (await s.card()).get(ownOrigin(s, c.req.url), s.now());
    return c.body(JSON.stringify(card), 200, { "content-type": CARD_CONTENT_TYPE, "cache-control": "public, max-age=300" });
  });
  return app;
}
