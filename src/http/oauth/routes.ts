// Every OAuth endpoint of the node, behind the Host check and a body limit. Discovery, token,
// registration and revocation answer browsers of any origin (CORS, no cookies); the consent
// page checks its own origin.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import type { AppEnv } from "../request/app-env.ts";
import { hostGuard } from "../request/origin.ts";
import type { Services } from "../../node/services.ts";
import { authorizeRoutes } from "./authorize.ts";
import { metadataRoutes, OAUTH_PATHS } from "./metadata.ts";
import { registrationRoutes } from "./registration.ts";
import { revocationRoutes } from "./revocation.ts";
import { tokenRoutes } from "./token.ts";

const MAX_BODY_BYTES = 64 * 1024;

export function oauthRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const guard = hostGuard(s.config);
  for (const path of ["/.well-known/*", "/oauth/*"]) app.use(path, guard);
  const open = cors({ origin: "*", allowMethods: ["GET", "POST", "OPTIONS"], allowHeaders: ["Content-Type", "Authorization", "MCP-Protocol-Version"], maxAge: 600 });
  for (const path of ["/.well-known/*", OAUTH_PATHS.token, OAUTH_PATHS.register, OAUTH_PATHS.revoke, OAUTH_PATHS.jwks]) app.use(path, open);
  app.use("/oauth/*", bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: "invalid_request", error_description: "body too large" }, 413) }));
  app.route("/", metadataRoutes(s));
  app.route("/", authorizeRoutes(s));
  app.route("/", tokenRoutes(s));
  app.route("/", registrationRoutes(s));
  app.route("/", revocationRoutes(s));
  return app;
}
