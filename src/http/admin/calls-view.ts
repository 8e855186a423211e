// The invocation log, filtered and paged by row id (`GET /invocations`), and the Calls page's one
// read (`GET /invocations/summary`): the same page of the log with the per-tool figures of the
// last `minutes`, as `GET /overview` computes them, without the overview's health reads.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { OUTCOMES } from "../../node/calls/invocations.ts";
import { fail } from "./respond.ts";

const filterText = z.string().min(1).max(300).optional();
const invocationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).catch(100),
  tool: filterText,
  caller: filterText,
  upstream: filterText,
  outcome: z.enum(OUTCOMES).optional(),
  before: z.coerce.number().int().min(1).optional(),
});
const INVALID = "tool, caller, upstream: up to 300 characters; outcome: a known outcome; before: a row id";
/** The window of the call figures (the overview's, the Calls page's) in minutes: 1 to a day, 60 unless given. */
export const windowMinutes = z.coerce.number().int().min(1).max(1440).catch(60);

export function callsAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/invocations", async (c) => {
    const q = invocationQuery.safeParse(c.req.query());
    if (!q.success) return fail(c, "invalid_request", INVALID);
    const { limit, ...filter } = q.data;
    return c.json({ invocations: await s.invocations.page(filter, limit) });
  });

  // `tools`: how many of the busiest tools' figures to give (all unless given); `toolCount` says how many there are.
  app.get("/invocations/summary", async (c) => {
    const { minutes: rawMinutes, tools: rawTools, ...query } = c.req.query();
    const q = invocationQuery.safeParse(query);
    if (!q.success) return fail(c, "invalid_request", INVALID);
    const { limit, ...filter } = q.data;
    const minutes = windowMinutes.parse(rawMinutes ?? 60);
    const tools = z.coerce.number().int().min(1).max(1000).catch(1000).parse(rawTools ?? 1000);
    // This process's held counts first, as the overview does, so the figures include its latest calls.
    await s.metrics.flush();
    const [invocations, figures] = await Promise.all([s.invocations.page(filter, limit), s.overviewFigures.calls(s.now() * 1000, minutes)]);
    return c.json({ invocations, windowMinutes: minutes, perTool: figures.perTool.slice(0, tools), toolCount: figures.perTool.length });
  });

  return app;
}
