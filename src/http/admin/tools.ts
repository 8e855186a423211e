// The catalog's tools in the admin API: local ones and peers' shared ones, listed with their
// origin, renamed, hidden and pinned (local tools only) by the name the catalog lists them under.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { CatalogConflictError, localTool, localTools, type CatalogTool } from "../../node/catalog/local.ts";
import { namedFederatedTools, type ListedFederatedTool } from "../../node/catalog/federated-view.ts";
import { changeCatalogTool, findCatalogTool, NameCollisionError, NameRefusedError } from "../../node/catalog/names.ts";
import type { Services } from "../../node/services.ts";
import { republishNames } from "../../node/registry/share-local.ts";

const toolPatch = z
  .object({ name: z.string(), hidden: z.boolean(), pinned: z.boolean() })
  .partial()
  .strict();

export function toolView(t: CatalogTool) {
  return {
    name: t.shortName,
    id: t.globalId,
    /** Null: this node's own upstream. */
    origin: null,
    upstream: t.upstream,
    upstreamName: t.name,
    fingerprint: t.fingerprint,
    description: t.description,
    tags: t.tags,
    hidden: t.hidden,
    pinned: t.pinned,
    available: t.available,
  };
}

function federatedView(t: ListedFederatedTool) {
  return {
    name: t.shortName,
    id: t.id,
    origin: { id: t.origin, alias: t.alias },
    upstream: t.upstream,
    upstreamName: t.definition.name,
    fingerprint: t.fingerprint,
    description: t.definition.description ?? null,
    tags: t.tags,
    hidden: t.hidden,
    pinned: false,
    available: true,
    pricing: t.pricing ?? null,
    ...(t.collision ? { collision: t.collision } : {}),
  };
}

/** Maps the naming refusals to the admin API's errors: a collision is a conflict, a bad name bad input. */
export function nameRefusal(err: unknown): { code: "conflict" | "invalid_request"; message: string } | undefined {
  if (err instanceof NameCollisionError || err instanceof CatalogConflictError) return { code: "conflict", message: err.message };
  if (err instanceof NameRefusedError) return { code: "invalid_request", message: err.message };
  return undefined;
}

export function toolAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // Local tools, then peers' (not when one upstream of this node is asked for).
  app.get("/tools", async (c) => {
    const upstream = c.req.query("upstream");
    const local = (await localTools(s, upstream)).map(toolView);
    const federated = upstream === undefined ? (await namedFederatedTools(s)).map(federatedView) : [];
    return c.json({ tools: [...local, ...federated] });
  });

  app.patch("/tools/:name", async (c) => {
    const entry = await findCatalogTool(s, c.req.param("name"));
    if (!entry) return fail(c, "not_found", "no such tool");
    const body = await readJson(c, toolPatch);
    if (!body.ok) return body.res;
    const { name, hidden, pinned } = body.value;
    try {
      await changeCatalogTool(s, entry, {
        ...(name !== undefined ? { shortName: name } : {}),
        ...(hidden !== undefined ? { hidden } : {}),
        ...(pinned !== undefined ? { pinned } : {}),
      });
    } catch (err) {
      const refusal = nameRefusal(err);
      if (refusal) return fail(c, refusal.code, refusal.message);
      throw err;
    }
    if ("local" in entry) {
      // A shared tool's entry carries the name it is listed under here.
      if (await republishNames(s)) s.gossip.changed();
      return c.json({ tool: toolView((await localTool(s, { globalId: entry.local.globalId }))!) });
    }
    return c.json({ tool: federatedView((await namedFederatedTools(s)).find((t) => t.id === entry.federated.id)!) });
  });

  return app;
}
