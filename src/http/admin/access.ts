// The Access page's one read: a page of one access list (`list`, grants unless given) after the
// cursor the page before gave, every list's count, and the audit chain's check: since this process
// last verified it, or (`?verify=all`) the whole chain, as GET /audit/verify walks it.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { ACCESS_LISTS, accessPage, BadAccessCursor } from "../../node/access/operator-listing.ts";
import { verifyAuditTrail } from "../../node/access/audit/audit-trail.ts";
import { fail } from "./respond.ts";

const accessQuery = z.object({
  list: z.enum(ACCESS_LISTS).default("grants"),
  cursor: z.string().min(1).max(4096).optional(),
  limit: z.coerce.number().int().min(1).max(200).catch(25),
  verify: z.enum(["all"]).optional().catch(undefined),
});

export function accessAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/access", async (c) => {
    const q = accessQuery.safeParse(c.req.query());
    if (!q.success) return fail(c, "invalid_request", `list: one of ${ACCESS_LISTS.join(", ")}; cursor: up to 4096 characters`);
    const { list, cursor, limit, verify } = q.data;
    try {
      const [page, audit] = await Promise.all([
        accessPage(s, list, cursor, limit),
        verify === "all" ? s.access.keys.audit().then((key) => verifyAuditTrail(s.db, key)) : s.auditWatch.check(),
      ]);
      return c.json({ ...page, check: { ok: audit.ok, entries: audit.entries, whole: verify === "all" } });
    } catch (err) {
      if (err instanceof BadAccessCursor) return fail(c, "invalid_request", err.message);
      throw err;
    }
  });

  return app;
}
