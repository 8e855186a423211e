// The operator's view of routes (docs/protocol.md §12): each principal's default route, and the
// ways this node can reach an origin.
import { Hono } from "hono";
import { z } from "zod";
import { fail, readJson } from "./respond.ts";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { routeRequest } from "../../protocol/routes/roles.ts";
import { NODE_ID } from "../../protocol/identity/keys.ts";
import { routesTo } from "../../node/routes/listing.ts";

const principalId = z.string().min(1).max(512).regex(/^\S+$/, "a principal id: client:<id>, token:<id> or anonymous");
const defaultInput = z.strictObject({ route: routeRequest });

export function routeAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/routes/defaults", async (c) => c.json({ defaults: await s.routes.defaults.list(), node: s.config.routeDefault }));
  app.put("/routes/defaults/:principal", async (c) => {
    const principal = principalId.safeParse(c.req.param("principal"));
    if (!principal.success) return fail(c, "invalid_request", principal.error.issues[0]!.message);
    const body = await readJson(c, defaultInput);
    if (!body.ok) return body.res;
    await s.routes.defaults.set(principal.data, body.value.route);
    return c.json({ principal: principal.data, route: body.value.route });
  });
  app.delete("/routes/defaults/:principal", async (c) => {
    if (!(await s.routes.defaults.clear(c.req.param("principal")))) return fail(c, "not_found", "that principal has no default route");
    return c.json({});
  });
  app.get("/routes/:origin", async (c) => {
    const origin = c.req.param("origin");
    if (!NODE_ID.test(origin)) return fail(c, "invalid_request", "the origin is a node id (32 base32 characters)");
    return c.json({ routes: await routesTo(s, origin) });
  });
  return app;
}
