// The Federation page's one read: the peers and the public nodes as `GET /peers` and `GET /nodes`
// list them, this node's id, the trust scores as `GET /trust` gives them, and each peer's call
// latency over the last `minutes` as `GET /overview/peers`: one admin request instead of five.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { verifications } from "../../node/peers/verifications.ts";
import { allPeers } from "../../node/peers/directory.ts";
import { nodeRows, peerRows } from "./peers.ts";

const federationQuery = z.object({
  minutes: z.coerce.number().int().min(1).max(1440).catch(60),
  limit: z.coerce.number().int().min(1).max(1000).catch(100),
});

export function federationViewAdminRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/federation", async (c) => {
    const { minutes, limit } = federationQuery.parse(c.req.query());
    // The peers are read once: their rows and the nodes' peer states come from the same read.
    const [shown, known] = await Promise.all([verifications(s), allPeers(s), s.metrics.flush()]);
    const [peers, nodes, scores, latency] = await Promise.all([peerRows(s, shown, known), nodeRows(s, shown, known), s.trust.list(limit), s.overviewFigures.peers(s.now() * 1000, minutes)]);
    return c.json({ self: s.nodeId, peers, nodes, scores, windowMinutes: minutes, latency });
  });

  return app;
}
