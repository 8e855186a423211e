// Admin API for the audit trail: reading it, verifying its chain, and the middleware that records
// every admin action (method, route and result; never bodies, which may hold secrets).
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { METRICS } from "../../node/metrics/definitions.ts";
import { listAudit, verifyAuditTrail } from "../../node/access/audit/audit-trail.ts";

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).catch(100),
  action: z.string().max(100).optional(),
  actor: z.string().max(2100).optional(),
});

/** Appends one entry per admin request that changes something, and per refused admin token. */
export function adminAudit(s: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const refused = c.res.status === 401;
    if (refused) s.metrics.count(METRICS.authFailures, { kind: "admin_token" });
    if (c.req.method === "GET" && !refused) return;
    // The route pattern, not the path: names in paths stay out of the action.
    const route = c.req.routePath.replace(/^\/admin/, "") || c.req.path;
    c.var.defer(
      s.access.audit.append({
        actor: refused ? "unknown" : "operator",
        action: `admin.${c.req.method} ${route}`,
        target: decodeURIComponent(c.req.path.replace(/^\/admin/, "")),
        decision: refused ? "deny" : c.res.status < 400 ? "ok" : "error",
        reason: refused ? "invalid admin token" : `HTTP ${c.res.status}`,
      }),
    );
  };
}

export function auditAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/audit", async (c) => {
    const q = auditQuery.parse({ limit: c.req.query("limit") ?? 100, action: c.req.query("action"), actor: c.req.query("actor") });
    const entries = await listAudit(s.db, q);
    return c.json({ entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) });
  });
  // `?since=verified`: only what was appended since this process, or the tick, last verified (see AuditChainWatch).
  app.get("/audit/verify", async (c) => c.json(c.req.query("since") === "verified" ? await s.auditWatch.check() : await verifyAuditTrail(s.db, await s.access.keys.audit())));
  return app;
}
