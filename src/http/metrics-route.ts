// GET /metrics: the node's metrics in the Prometheus text format, for the admin token or an API
// token with the metrics:read scope (`mcpfed token create --scope metrics:read`).
import { Hono, type Context } from "hono";
import type { AppEnv } from "./request/app-env.ts";
import type { Services } from "../node/services.ts";
import { API_TOKEN_PREFIX, resolveApiToken } from "../node/access/credentials/api-tokens.ts";
import { METRICS_SCOPE } from "../node/access/principals/scopes.ts";
import { METRICS } from "../node/metrics/definitions.ts";
import { EXPOSITION_CONTENT_TYPE, renderExposition } from "../node/metrics/exposition.ts";
import { sameSecret } from "../secrets/token-secrets.ts";

async function mayRead(s: Services, c: Context<AppEnv>): Promise<boolean> {
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(c.req.header("authorization") ?? "");
  if (!m) return false;
  const token = m[1]!;
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const principal = await resolveApiToken(s.db, token, c.var.defer);
    return (principal?.scopes as readonly string[] | undefined)?.includes(METRICS_SCOPE) ?? false;
  }
  return sameSecret(token, s.config.adminToken);
}

export function metricsRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/metrics", async (c) => {
    if (!(await mayRead(s, c))) {
      s.metrics.count(METRICS.authFailures, { kind: "metrics_token" });
      c.header("WWW-Authenticate", `Bearer scope="${METRICS_SCOPE}"`);
      return c.json({ error: { code: "unauthorized", message: `GET /metrics needs the admin token or an API token with the ${METRICS_SCOPE} scope` } }, 401);
    }
    await s.metrics.flush();
    return c.body(await renderExposition(s.db), 200, { "content-type": EXPOSITION_CONTENT_TYPE, "cache-control": "no-store" });
  });
  return app;
}
