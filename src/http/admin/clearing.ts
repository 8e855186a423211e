// The operator's clearing rounds in the admin API: start one (or a preview), list them, show one
// with this node's own proposed edges. The CLI's `mcpfed clearing` reads these.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { ClearingError } from "../../protocol/clearing/errors.ts";
import { currencyUnit } from "../../protocol/ledger/pricing.ts";
import { nodeId } from "../../protocol/registry/entry.ts";
import type { Services } from "../../node/services.ts";

const startBody = z
  .object({
    unit: currencyUnit,
    dryRun: z.boolean().default(false),
    /** Other participants; default: the active peers whose cards offer clearing. */
    participants: z.array(nodeId).min(1).max(63).optional(),
  })
  .strict();

export function clearingAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/clearing/rounds", async (c) => {
    const body = await readJson(c, startBody);
    if (!body.ok) return body.res;
    try {
      const started = await s.clearing.initiate(body.value.unit, { dryRun: body.value.dryRun, ...(body.value.participants ? { participants: body.value.participants } : {}) });
      return c.json(started, 201);
    } catch (err) {
      if (!(err instanceof ClearingError)) throw err;
      return fail(c, err.code === "round_busy" || err.code === "too_many_rounds" || err.code === "too_soon" ? "conflict" : "invalid_request", `${err.code}: ${err.message}`);
    }
  });

  app.get("/clearing/rounds", async (c) => c.json({ rounds: await s.clearing.list() }));

  app.get("/clearing/rounds/:id", async (c) => {
    const id = c.req.param("id");
    const round = /^[0-9a-f]{64}$/.test(id) ? await s.clearing.show(id) : undefined;
    return round ? c.json(round) : fail(c, "not_found", `no round ${id}`);
  });

  return app;
}
