// The catalog's resources, resource templates and prompts in the admin API: local ones and
// peers' shared ones, listed with their origin, renamed and hidden by the name the catalog lists
// them under, as /tools does for tools.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { nameRefusal } from "./tools.ts";
import { catalogItems, changeCatalogItem, findCatalogItem, type CatalogItem } from "../../node/catalog/item-names.ts";
import { ITEM_KINDS } from "../../protocol/registry/shared-items.ts";
import type { Services } from "../../node/services.ts";
import { republishNames } from "../../node/registry/share-local.ts";

const kindSchema = z.enum(ITEM_KINDS);
const itemPatch = z.object({ name: z.string().min(1).max(2048), hidden: z.boolean() }).partial().strict();

export function itemView(i: CatalogItem) {
  const { ref: _ref, ...view } = i;
  return view;
}

export function itemAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/items", async (c) => {
    const kind = kindSchema.optional().safeParse(c.req.query("kind"));
    if (!kind.success) return fail(c, "invalid_request", `kind is one of ${ITEM_KINDS.join(", ")}`);
    return c.json({ items: (await catalogItems(s, kind.data)).map(itemView) });
  });

  app.patch("/items/:kind/:name", async (c) => {
    const kind = kindSchema.safeParse(c.req.param("kind"));
    if (!kind.success) return fail(c, "invalid_request", `kind is one of ${ITEM_KINDS.join(", ")}`);
    const body = await readJson(c, itemPatch);
    if (!body.ok) return body.res;
    try {
      const item = await findCatalogItem(s, kind.data, c.req.param("name"));
      if (!item) return fail(c, "not_found", `no such ${kind.data}`);
      await changeCatalogItem(s, item, body.value);
      // A shared prompt's entry carries the name it is listed under here.
      if (item.origin === null && body.value.name !== undefined && (await republishNames(s))) s.gossip.changed();
      const now = (await catalogItems(s, kind.data)).find((i) => i.id === item.id)!;
      return c.json({ item: itemView(now) });
    } catch (err) {
      const refusal = nameRefusal(err);
      if (refusal) return fail(c, refusal.code, refusal.message);
      throw err;
    }
  });

  return app;
}
