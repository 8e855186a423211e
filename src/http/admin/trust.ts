// The operator's view of trust in the admin API: scores and tiers, why a node has its score,
// this node's vouches, and ratings of the tools it called.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { nodeId } from "../../protocol/identity/node-id.ts";
import { vouchScope } from "../../protocol/registry/trust-entries.ts";
import { visibility } from "../../protocol/registry/entry.ts";
import type { Services } from "../../node/services.ts";
import { TrustPublishError } from "../../node/trust/publish.ts";
import { NoProofError, rateTool, revokeVouch, vouch } from "../../node/trust/own-entries.ts";

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

const vouchInput = z
  .object({
    subject: nodeId,
    weight: z.number().int().min(1).max(100).default(50),
    scope: vouchScope.optional(),
    days: z.number().int().min(1).max(400).default(90),
    visibility: visibility.default("peers"),
  })
  .strict();

const ratingInput = z
  .object({
    tool: z.string().min(3).max(512),
    stars: z.number().int().min(1).max(5),
    text: z.string().min(1).max(280).optional(),
    visibility: visibility.default("peers"),
  })
  .strict();

const entryView = (e: { id: string; signed: { kind: string; key: string; visibility: string; tombstone: boolean } }) => ({
  id: e.id,
  kind: e.signed.kind,
  key: e.signed.key,
  visibility: e.signed.visibility,
  tombstone: e.signed.tombstone,
});

export function trustAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/trust", async (c) => {
    const q = listQuery.safeParse({ limit: c.req.query("limit") || undefined });
    if (!q.success) return fail(c, "invalid_request", "limit is 1 to 1000");
    return c.json({ self: s.nodeId, tiers: s.config.trust.tiers, seeds: s.config.trust.seeds, scores: await s.trust.list(q.data.limit) });
  });

  // A tool's rating; the tool's global id is in the query, since it holds slashes.
  app.get("/trust/ratings", async (c) => {
    const tool = c.req.query("tool");
    if (!tool || tool.length > 512 || !tool.includes("/")) return fail(c, "invalid_request", "tool is a tool's global id, <origin>/<upstream>/<tool>");
    return c.json(await s.ratings.of(tool));
  });

  app.post("/trust/ratings", async (c) => {
    const body = await readJson(c, ratingInput);
    if (!body.ok) return body.res;
    try {
      return c.json({ entries: (await rateTool(s, body.value)).map(entryView) }, 201);
    } catch (err) {
      if (err instanceof NoProofError) return fail(c, "conflict", err.message);
      if (err instanceof TrustPublishError) return fail(c, "invalid_request", err.message);
      throw err;
    }
  });

  app.post("/trust/vouches", async (c) => {
    const body = await readJson(c, vouchInput);
    if (!body.ok) return body.res;
    if (body.value.subject === s.nodeId) return fail(c, "invalid_request", "a node does not vouch for itself");
    try {
      return c.json({ entries: (await vouch(s, body.value)).map(entryView) }, 201);
    } catch (err) {
      if (err instanceof TrustPublishError) return fail(c, "invalid_request", err.message);
      throw err;
    }
  });

  app.delete("/trust/vouches/:subject", async (c) => {
    const subject = nodeId.safeParse(c.req.param("subject"));
    const scope = c.req.query("scope") || undefined;
    if (!subject.success || (scope !== undefined && !vouchScope.safeParse(scope).success)) return fail(c, "invalid_request", "a node id, and optionally ?scope=<scope>");
    const entries = await revokeVouch(s, subject.data, scope);
    if (entries.length === 0) return fail(c, "not_found", `this node holds no vouch for ${subject.data}${scope ? ` in scope ${scope}` : ""}`);
    return c.json({ entries: entries.map(entryView) });
  });

  app.get("/trust/:node", async (c) => {
    const node = nodeId.safeParse(c.req.param("node"));
    if (!node.success) return fail(c, "invalid_request", "not a node id");
    const [standing, why] = await Promise.all([s.trust.of(node.data), s.trust.explain(node.data)]);
    return c.json({ ...standing, tier: standing.tier.name, why });
  });

  return app;
}
