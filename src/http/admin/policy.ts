// Admin API for policy rules.
import { Hono } from "hono";
import { fail, readJson } from "./respond.ts";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { ruleInput } from "../../node/access/policy/rules.ts";

export function policyAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/policy/rules", async (c) => c.json({ rules: await s.access.policy.list() }));
  app.post("/policy/rules", async (c) => {
    const body = await readJson(c, ruleInput);
    if (!body.ok) return body.res;
    const tier = body.value.trustTier;
    // A rule on a tier no score falls in would never match: a deny by it would hold nothing back.
    if (tier !== undefined && !s.config.trust.tiers.some((t) => t.name === tier)) {
      return fail(c, "invalid_request", `trustTier: no tier named ${tier} in TRUST_TIERS (${s.config.trust.tiers.map((t) => t.name).join(", ")})`);
    }
    return c.json({ rule: await s.access.policy.add(body.value) }, 201);
  });
  app.delete("/policy/rules/:id", async (c) => {
    if (!(await s.access.policy.remove(c.req.param("id")))) return fail(c, "not_found", "no such rule");
    return c.body(null, 204);
  });
  return app;
}
