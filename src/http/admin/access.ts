// The Access page's one read: the first rows of each access list with the counts, the latest audit
// entries, and the audit chain's check: since this process last verified it, or (`?verify=all`)
// the whole chain, as GET /audit/verify walks it.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { accessListing } from "../../node/access/operator-listing.ts";
import { listAudit, verifyAuditTrail } from "../../node/access/audit/audit-trail.ts";

const accessQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).catch(25),
  verify: z.enum(["all"]).optional().catch(undefined),
});

export function accessAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/access", async (c) => {
    const { limit, verify } = accessQuery.parse(c.req.query());
    const [lists, entries, audit] = await Promise.all([
      accessListing(s, limit),
      listAudit(s.db, { limit }),
      verify === "all" ? s.access.keys.audit().then((key) => verifyAuditTrail(s.db, key)) : s.auditWatch.check(),
    ]);
    return c.json({
      ...lists,
      audit: { entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })), check: { ok: audit.ok, entries: audit.entries, whole: verify === "all" } },
    });
  });

  return app;
}
