// Admin API for permission grants: the operator sees requests and grants, and approves, denies
// or revokes them. Every decision goes to the audit trail.
import { Hono } from "hono";
import { z } from "zod";
import { fail, readJson } from "./respond.ts";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { approveGrant, denyGrant, grantsWithStatus, MAX_GRANT_TTL_SECONDS, revokeGrantByOperator } from "../../node/access/grants/operator-decisions.ts";

const approveBody = z.object({ ttlSeconds: z.number().int().min(1).max(MAX_GRANT_TTL_SECONDS).optional() }).strict();
const denyBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();
const statusQuery = z.enum(["pending", "active", "denied", "revoked"]).optional();

export function grantAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/grants", async (c) => {
    const status = statusQuery.safeParse(c.req.query("status") || undefined);
    if (!status.success) return fail(c, "invalid_request", "status is pending, active, denied or revoked");
    return c.json({ grants: await grantsWithStatus(s, status.data) });
  });

  app.post("/grants/:id/approve", async (c) => {
    const body = await readJson(c, approveBody);
    if (!body.ok) return body.res;
    const grant = await approveGrant(s, c.req.param("id"), body.value.ttlSeconds);
    if (!grant) return fail(c, "not_found", "no pending request with this id");
    return c.json({ grant });
  });

  app.post("/grants/:id/deny", async (c) => {
    const body = await readJson(c, denyBody);
    if (!body.ok) return body.res;
    const grant = await denyGrant(s, c.req.param("id"), body.value.reason ?? "denied by the operator");
    if (!grant) return fail(c, "not_found", "no pending request with this id");
    return c.json({ grant });
  });

  app.post("/grants/:id/revoke", async (c) => {
    const grant = await revokeGrantByOperator(s, c.req.param("id"));
    if (!grant) return fail(c, "not_found", "no active or pending grant with this id");
    return c.json({ grant });
  });

  return app;
}
