// Admin API for rate limits.
import { Hono } from "hono";
import { fail, readJson } from "./respond.ts";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { limitInput } from "../../node/access/limits/limiter.ts";

export function limitAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/limits", async (c) => c.json({ limits: await s.access.limits.list() }));
  app.post("/limits", async (c) => {
    const body = await readJson(c, limitInput);
    if (!body.ok) return body.res;
    return c.json({ limit: await s.access.limits.add(body.value) }, 201);
  });
  app.delete("/limits/:id", async (c) => {
    if (!(await s.access.limits.remove(c.req.param("id")))) return fail(c, "not_found", "no such limit");
    return c.body(null, 204);
  });
  return app;
}
