// The operator's view of principals' own upstream credentials: who holds one (never the value),
// and revocation.
import { Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { fail } from "./respond.ts";
import type { Services } from "../../node/services.ts";
import { findUpstream } from "../../node/upstreams/registration.ts";

export function upstreamCredentialAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/upstreams/:name/credentials", async (c) => {
    const row = await findUpstream(s, c.req.param("name"));
    if (!row) return fail(c, "not_found", "no such upstream");
    return c.json({ credentials: await s.upstreamCredentials.list(row.name) });
  });
  app.delete("/upstreams/:name/credentials/:principal", async (c) => {
    const { name, principal } = c.req.param();
    if (!(await s.upstreamCredentials.remove(name, principal))) return fail(c, "not_found", "that principal holds no credential for that upstream");
    await s.pool.close(name, principal);
    return c.body(null, 204);
  });
  return app;
}
