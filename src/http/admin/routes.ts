// The operator's HTTP API, behind the ADMIN_TOKEN bearer. The CLI is a client of it.
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { fail, readJson, redactAnswers } from "./respond.ts";
import {
  CatalogConflictError,
  findTool,
  listTools,
  renamePrefix,
  updateToolSettings,
} from "../../store/catalog.ts";
import { peerAdminRoutes } from "./peers.ts";
import { registryAdminRoutes } from "./registry.ts";
import { relayAdminRoutes } from "./relay.ts";
import { unsafeUrlReason } from "../../node/outbound/ssrf.ts";
import type { Services } from "../../node/services.ts";
import type { AppEnv } from "../app-env.ts";
import { refreshUpstream } from "../../node/upstreams/refresh.ts";
import {
  deleteUpstream,
  getUpstream,
  insertUpstream,
  listUpstreams,
  publicView,
  setPrefix,
  UpstreamExistsError,
} from "../../store/upstreams.ts";
import { prefixSchema, upstreamInput } from "../../store/upstream-spec.ts";
import type { Tick } from "../../node/tick.ts";
import { adminAudit, auditAdminRoutes } from "./audit.ts";
import { credentialAdminRoutes } from "./tokens.ts";
import { grantAdminRoutes } from "./grants.ts";
import { limitAdminRoutes } from "./limits.ts";
import { policyAdminRoutes } from "./policy.ts";
import { ledgerAdminRoutes } from "./ledger.ts";
import { upstreamCredentialAdminRoutes } from "./upstream-credentials.ts";

const toolPatch = z
  .object({ name: z.string(), hidden: z.boolean(), pinned: z.boolean() })
  .partial()
  .strict();

function toolView(t: Awaited<ReturnType<typeof listTools>>[number]) {
  return {
    name: t.shortName,
    id: t.globalId,
    upstream: t.upstream,
    upstreamName: t.name,
    fingerprint: t.fingerprint,
    description: t.description,
    tags: t.tags,
    hidden: t.hidden,
    pinned: t.pinned,
    available: t.available,
  };
}

export function adminRoutes(s: Services, tick: Tick): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", redactAnswers);
  app.use("*", adminAudit(s));
  // Peers, aliases, pins, names: most operator changes reach the peers' tools as listed.
  app.use("*", async (c, next) => {
    await next();
    if (c.req.method !== "GET") s.federatedTools.invalidate();
  });
  app.use("*", bearerAuth({ token: s.config.adminToken }));
  app.use("*", bodyLimit({ maxSize: 256 * 1024, onError: (c) => fail(c, "invalid_request", "body too large") }));

  app.get("/upstreams", async (c) => {
    const [rows, tools] = await Promise.all([listUpstreams(s.db), listTools(s.db)]);
    const counts = new Map<string, number>();
    for (const t of tools) counts.set(t.upstream, (counts.get(t.upstream) ?? 0) + 1);
    return c.json({ upstreams: rows.map((r) => publicView(r, counts.get(r.name) ?? 0)) });
  });

  app.post("/upstreams", async (c) => {
    const body = await readJson(c, upstreamInput);
    if (!body.ok) return body.res;
    const input = body.value;
    if (input.kind === "stdio" && !s.pool.stdioSupported) {
      return fail(c, "unsupported", "stdio upstreams run only on the Node runtime");
    }
    if (input.kind === "http") {
      const reason = unsafeUrlReason(input.url, s.config.allowPrivateUrls);
      if (reason) return fail(c, "invalid_request", `url: ${reason}`);
    }
    try {
      await insertUpstream(s.db, s.secrets, input);
    } catch (err) {
      if (err instanceof UpstreamExistsError) return fail(c, "conflict", err.message);
      throw err;
    }
    const refresh = await refreshUpstream(s, input.name);
    const row = (await getUpstream(s.db, input.name))!;
    return c.json({ upstream: publicView(row, (await listTools(s.db, input.name)).length), refresh }, 201);
  });

  app.get("/upstreams/:name", async (c) => {
    const row = await getUpstream(s.db, c.req.param("name"));
    if (!row) return fail(c, "not_found", "no such upstream");
    const tools = await listTools(s.db, row.name);
    return c.json({ upstream: publicView(row, tools.length), tools: tools.map(toolView) });
  });

  app.patch("/upstreams/:name", async (c) => {
    const row = await getUpstream(s.db, c.req.param("name"));
    if (!row) return fail(c, "not_found", "no such upstream");
    const body = await readJson(c, z.object({ prefix: prefixSchema.nullable() }).strict());
    if (!body.ok) return body.res;
    await setPrefix(s.db, row.name, body.value.prefix);
    await renamePrefix(s.db, s.nodeId, row.name, body.value.prefix ?? row.name);
    s.streams.notify(["tools", "prompts"]);
    const tools = await listTools(s.db, row.name);
    return c.json({ upstream: publicView((await getUpstream(s.db, row.name))!, tools.length), tools: tools.map(toolView) });
  });

  app.post("/upstreams/:name/refresh", async (c) => {
    const result = await refreshUpstream(s, c.req.param("name"));
    if (!result) return fail(c, "not_found", "no such upstream");
    return c.json({ refresh: result });
  });

  app.delete("/upstreams/:name", async (c) => {
    const name = c.req.param("name");
    if (!(await deleteUpstream(s.db, s.nodeId, name))) return fail(c, "not_found", "no such upstream");
    await s.pool.close(name);
    s.streams.notify(["tools", "resources", "prompts"]);
    return c.body(null, 204);
  });

  app.get("/tools", async (c) => {
    const tools = await listTools(s.db, c.req.query("upstream"));
    return c.json({ tools: tools.map(toolView) });
  });

  app.patch("/tools/:name", async (c) => {
    const tool = await findTool(s.db, { shortName: c.req.param("name") });
    if (!tool) return fail(c, "not_found", "no such tool");
    const body = await readJson(c, toolPatch);
    if (!body.ok) return body.res;
    try {
      await updateToolSettings(s.db, tool.globalId, {
        ...(body.value.name !== undefined ? { shortName: body.value.name } : {}),
        ...(body.value.hidden !== undefined ? { hidden: body.value.hidden } : {}),
        ...(body.value.pinned !== undefined ? { pinned: body.value.pinned } : {}),
      });
    } catch (err) {
      if (err instanceof CatalogConflictError) return fail(c, "conflict", err.message);
      throw err;
    }
    s.streams.notify(["tools"]);
    return c.json({ tool: toolView((await findTool(s.db, { globalId: tool.globalId }))!) });
  });

  app.get("/invocations", async (c) => {
    const limit = z.coerce.number().int().min(1).max(1000).catch(100).parse(c.req.query("limit") ?? 100);
    return c.json({ invocations: await s.invocations.recent(limit) });
  });

  app.post("/tick", async (c) => c.json(await tick()));

  // Each part's own routes: who may call what (src/auth, policy, limits, grants, audit), then the federation's.
  const parts = [credentialAdminRoutes, policyAdminRoutes, limitAdminRoutes, grantAdminRoutes, auditAdminRoutes, peerAdminRoutes, registryAdminRoutes, relayAdminRoutes, ledgerAdminRoutes, upstreamCredentialAdminRoutes];
  for (const routes of parts) app.route("/", routes(s));
  return app;
}
