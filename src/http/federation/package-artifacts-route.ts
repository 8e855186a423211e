// `GET /federation/v1/packages/artifacts/<sha256>` (protocol §18.5): public, no envelope; the bytes
// are checked by whoever fetches them against the origin's signed entry.
import { Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { servedArtifact } from "../../node/packages/mirror.ts";

export function packageArtifactRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/federation/v1/packages/artifacts/:sha256", async (c) => {
    const bytes = await servedArtifact(s, c.req.param("sha256"));
    if (!bytes) return c.json({ error: { code: "not_found", message: "this node does not serve that artifact" } }, 404);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/octet-stream", "cache-control": "public, max-age=31536000, immutable" });
  });
  return app;
}
