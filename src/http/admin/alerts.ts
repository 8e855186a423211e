// Alerts in the admin API: the alerts raised (open ones by default), acknowledging one, and the
// rules they come from. The console and the CLI both go through these routes.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import type { Services } from "../../node/services.ts";
import { acknowledge, addRule, alertList, alertRules, removeRule, ruleView, type AlertPorts } from "../../node/alerts/alerts.ts";
import { ruleId, ruleInput } from "../../node/alerts/rules.ts";

const alertQuery = z.object({
  state: z.enum(["open", "resolved", "all"]).default("open"),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const alertId = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function alertAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const ports = (): AlertPorts => ({ db: s.db, auditKey: () => s.access.keys.audit(), audit: s.access.audit });

  app.get("/alerts", async (c) => {
    const q = alertQuery.safeParse(c.req.query());
    if (!q.success) return fail(c, "invalid_request", "state is open, resolved or all; limit 1 to 1000");
    return c.json({ alerts: await alertList(s.db, { state: q.data.state === "all" ? undefined : q.data.state, limit: q.data.limit }) });
  });

  app.post("/alerts/:id/ack", async (c) => {
    const id = alertId.safeParse(c.req.param("id"));
    const alert = id.success ? await acknowledge(ports(), id.data, Date.now()) : undefined;
    if (!alert) return fail(c, "not_found", "no such alert");
    return c.json({ alert });
  });

  app.get("/alerts/rules", async (c) => c.json({ rules: (await alertRules(s.db)).map(ruleView) }));

  app.post("/alerts/rules", async (c) => {
    const body = await readJson(c, ruleInput);
    if (!body.ok) return body.res;
    const added = await addRule(ports(), body.value, randomId);
    if (!added.ok) return fail(c, added.code, added.message);
    return c.json({ rule: ruleView(added.rule) }, 201);
  });

  app.delete("/alerts/rules/:id", async (c) => {
    const id = ruleId.safeParse(c.req.param("id"));
    if (!id.success || !(await removeRule(ports(), id.data, Date.now()))) return fail(c, "not_found", "no such rule");
    return c.json({ removed: id.data });
  });

  return app;
}
