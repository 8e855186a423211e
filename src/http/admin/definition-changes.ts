// Definition pins in the admin API: the tool changes held back, each with its old and new
// definition, approving or rejecting one, and whether an upstream trusts new tools on first sight.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import type { Services } from "../../node/services.ts";
import { findUpstream, pinMode } from "../../node/upstreams/registration.ts";
import {
  approveDefinition,
  definitionChange,
  definitionChanges,
  rejectDefinition,
  type DefinitionChangeRow,
} from "../../node/upstreams/definition-decisions.ts";

const changeFilter = z.object({
  status: z.enum(["pending", "approved", "rejected"]).optional(),
  upstream: z.string().max(64).optional(),
});
const changeId = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export function changeView(c: DefinitionChangeRow) {
  return {
    id: c.id,
    upstream: c.upstream,
    tool: c.tool,
    status: c.status,
    /** Null: the tool is new to a strict upstream. */
    old: c.oldDefinition ?? (c.oldFingerprint ? { fingerprint: c.oldFingerprint } : null),
    oldFingerprint: c.oldFingerprint,
    new: c.newDefinition,
    newFingerprint: c.newFingerprint,
    detectedAt: new Date(c.detectedAt).toISOString(),
    decidedAt: c.decidedAt === null ? null : new Date(c.decidedAt).toISOString(),
  };
}

export function definitionChangeAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/tools/changes", async (c) => {
    const filter = changeFilter.safeParse(c.req.query());
    if (!filter.success) return fail(c, "invalid_request", "status is pending, approved or rejected");
    return c.json({ changes: (await definitionChanges(s, filter.data)).map(changeView) });
  });

  app.get("/tools/changes/:id", async (c) => {
    const id = changeId.safeParse(c.req.param("id"));
    const change = id.success ? await definitionChange(s, id.data) : undefined;
    if (!change) return fail(c, "not_found", "no such definition change");
    return c.json({ change: changeView(change) });
  });

  for (const [verb, decide] of [["approve", approveDefinition], ["reject", rejectDefinition]] as const) {
    app.post(`/tools/changes/:id/${verb}`, async (c) => {
      const id = changeId.safeParse(c.req.param("id"));
      if (!id.success) return fail(c, "not_found", "no such definition change");
      const decided = await decide(s, id.data);
      if (!decided.ok) return fail(c, decided.code, decided.message);
      return c.json({ change: changeView(decided.change), ...("refresh" in decided ? { refresh: decided.refresh } : {}) });
    });
  }

  app.put("/upstreams/:name/pins", async (c) => {
    const row = await findUpstream(s, c.req.param("name"));
    if (!row) return fail(c, "not_found", "no such upstream");
    const body = await readJson(c, z.object({ mode: pinMode }).strict());
    if (!body.ok) return body.res;
    await s.definitionPins.setStrict(row.name, body.value.mode === "strict");
    return c.json({ upstream: row.name, pins: body.value.mode });
  });

  return app;
}
