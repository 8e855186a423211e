// The agents area of the admin API: the intents principals declared through this node (read-only;
// a principal declares and withdraws its own through the MCP meta-tools).
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail } from "./respond.ts";
import type { Services } from "../../node/services.ts";
import { declaredIntents } from "../../node/agents/intents.ts";

const intentQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

export function agentAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/agents/intents", async (c) => {
    const q = intentQuery.safeParse(c.req.query());
    if (!q.success) return fail(c, "invalid_request", "limit: 1 to 500");
    const intents = await declaredIntents(s, q.data.limit, s.now());
    return c.json({ intents: intents.map((i) => ({ ...i, expires: new Date(i.expires).toISOString() })) });
  });

  return app;
}
