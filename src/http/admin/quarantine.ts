// The operator's quarantine in the admin API: hold a node apart (optionally warning the peers with
// a signed warning entry), let it out again (withdrawing that warning), and list who is held.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { fail, readJson } from "./respond.ts";
import { nodeId } from "../../protocol/identity/node-id.ts";
import { WARNING_REASONS } from "../../protocol/registry/trust-entries.ts";
import { visibility } from "../../protocol/registry/entry.ts";
import type { Services } from "../../node/services.ts";
import { TrustPublishError } from "../../node/trust/publish.ts";
import { warn, withdrawWarning } from "../../node/trust/own-warnings.ts";

const quarantineInput = z
  .object({
    reason: z.string().trim().min(1).max(280).default("quarantined by the operator"),
    /** Also publish a signed warning, which peers weigh by their trust in this node. */
    warn: z
      .object({
        reason: z.enum(WARNING_REASONS),
        text: z.string().min(1).max(280).optional(),
        records: z.array(z.string().regex(/^[0-9a-f]{64}$/)).min(1).max(16).optional(),
        days: z.number().int().min(1).max(400).default(30),
        visibility: visibility.default("peers"),
      })
      .strict()
      .optional(),
  })
  .strict();

const view = (r: { nodeId: string; source: string; status: string; reason: string; createdAt: number }) => ({
  node: r.nodeId,
  source: r.source,
  status: r.status,
  reason: r.reason,
  since: new Date(r.createdAt).toISOString(),
});

export function quarantineAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const publisher = { nodeId: s.nodeId, registry: s.registry, gossip: s.gossip };

  app.get("/quarantine", async (c) => c.json({ quarantines: (await s.quarantine.list()).map(view) }));

  // Any node id, peer or not: a stranger's relayed entries are held apart as well.
  app.post("/peers/:id/quarantine", async (c) => {
    const id = nodeId.safeParse(c.req.param("id"));
    if (!id.success) return fail(c, "invalid_request", "not a node id");
    if (id.data === s.nodeId) return fail(c, "invalid_request", "this node cannot quarantine itself");
    const body = await readJson(c, quarantineInput);
    if (!body.ok) return body.res;
    const row = await s.quarantine.hold(id.data, body.value.reason);
    let warning;
    if (body.value.warn) {
      try {
        warning = (await warn(publisher, id.data, body.value.warn)).map((e) => ({ id: e.id, visibility: e.signed.visibility }));
      } catch (err) {
        // The quarantine stands; only the warning was refused.
        if (err instanceof TrustPublishError) return fail(c, "invalid_request", `quarantined, but the warning was refused: ${err.message}`);
        throw err;
      }
    }
    return c.json({ quarantine: view(row), ...(warning ? { warning } : {}) }, 201);
  });

  app.delete("/peers/:id/quarantine", async (c) => {
    const id = c.req.param("id");
    const row = await s.quarantine.release(id);
    // A warning this node published goes with the release, whether or not it quarantined the node here.
    const withdrawn = nodeId.safeParse(id).success && id !== s.nodeId ? await withdrawWarning(publisher, id) : [];
    if (!row && withdrawn.length === 0) return fail(c, "not_found", "this node holds no quarantine of that node");
    return c.json({ quarantine: row ? view(row) : null, warningsWithdrawn: withdrawn.length });
  });

  return app;
}
