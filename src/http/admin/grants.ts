// Admin API for permission grants: the operator sees requests and grants, and approves, denies
// or revokes them. Every decision goes to the audit trail.
import { Hono } from "hono";
import { z } from "zod";
import { fail, readJson } from "./respond.ts";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { decideGrant, grantView, listGrants, MAX_GRANT_TTL_SECONDS, revokeGrant } from "../../node/access/grants/records.ts";

const approveBody = z.object({ ttlSeconds: z.number().int().min(1).max(MAX_GRANT_TTL_SECONDS).optional() }).strict();
const denyBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();
const statusQuery = z.enum(["pending", "active", "denied", "revoked"]).optional();

export function grantAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/grants", async (c) => {
    const status = statusQuery.safeParse(c.req.query("status") || undefined);
    if (!status.success) return fail(c, "invalid_request", "status is pending, active, denied or revoked");
    return c.json({ grants: (await listGrants(s.db, { status: status.data })).map(grantView) });
  });

  app.post("/grants/:id/approve", async (c) => {
    const body = await readJson(c, approveBody);
    if (!body.ok) return body.res;
    const g = await decideGrant(s.db, c.req.param("id"), { approve: true, decidedBy: "operator", reason: "approved by the operator", ttlSeconds: body.value.ttlSeconds });
    if (!g) return fail(c, "not_found", "no pending request with this id");
    await s.access.audit.append({ actor: "operator", action: "grant.decide", target: g.id, decision: "allow", reason: g.reason, details: { ttlSeconds: g.ttlSeconds } });
    return c.json({ grant: grantView(g) });
  });

  app.post("/grants/:id/deny", async (c) => {
    const body = await readJson(c, denyBody);
    if (!body.ok) return body.res;
    const reason = body.value.reason ?? "denied by the operator";
    const g = await decideGrant(s.db, c.req.param("id"), { approve: false, decidedBy: "operator", reason });
    if (!g) return fail(c, "not_found", "no pending request with this id");
    await s.access.audit.append({ actor: "operator", action: "grant.decide", target: g.id, decision: "deny", reason });
    return c.json({ grant: grantView(g) });
  });

  app.post("/grants/:id/revoke", async (c) => {
    const g = await revokeGrant(s.db, c.req.param("id"), "operator");
    if (!g) return fail(c, "not_found", "no active or pending grant with this id");
    await s.access.audit.append({ actor: "operator", action: "grant.revoke", target: g.id, decision: "ok", reason: "revoked by the operator" });
    return c.json({ grant: grantView(g) });
  });

  return app;
}
