// Discovery: protected-resource metadata for /mcp (RFC 9728), authorization-server metadata
// (RFC 8414) and the JWKS of the access-token key. The node is both servers, at one origin.
import { Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { isLoopbackHost, type Config } from "../../node/settings/config.ts";
import type { Services } from "../../node/services.ts";
import { ALL_SCOPES } from "../../node/access/principals/scopes.ts";

export const OAUTH_PATHS = {
  authorize: "/oauth/authorize",
  token: "/oauth/token",
  register: "/oauth/register",
  revoke: "/oauth/revoke",
  jwks: "/oauth/jwks",
} as const;

const MCP_PATH = "/mcp";
export const RESOURCE_METADATA_PATH = `/.well-known/oauth-protected-resource${MCP_PATH}`;

/**
 * The node's origin as its clients see it: PUBLIC_URL when it names a public host; otherwise
 * (loopback, or the edge without PUBLIC_URL) the origin the request was addressed to, which the
 * Host check has already vetted.
 */
export function nodeOrigin(config: Config, requestUrl: string): string {
  const configured = config.publicUrl;
  if (configured && !isLoopbackHost(configured.hostname)) return configured.origin;
  return new URL(requestUrl).origin;
}

/** The MCP endpoint's canonical URL: the resource indicator and the audience of its tokens. */
export function resourceOf(origin: string): string {
  return `${origin}${MCP_PATH}`;
}

export function resourceMetadataUrl(origin: string): string {
  return `${origin}${RESOURCE_METADATA_PATH}`;
}

export function metadataRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const protectedResource = (origin: string) => ({
    resource: resourceOf(origin),
    authorization_servers: [origin],
    scopes_supported: ALL_SCOPES,
    bearer_methods_supported: ["header"],
    resource_name: s.config.nodeName,
  });
  // The path-specific document, and the root one for clients that look there first.
  app.get(RESOURCE_METADATA_PATH, (c) => c.json(protectedResource(nodeOrigin(s.config, c.req.url))));
  app.get("/.well-known/oauth-protected-resource", (c) => c.json(protectedResource(nodeOrigin(s.config, c.req.url))));

  app.get("/.well-known/oauth-authorization-server", (c) => {
    const origin = nodeOrigin(s.config, c.req.url);
    const authMethods = ["none", "client_secret_post", "client_secret_basic"];
    return c.json({
      issuer: origin,
      authorization_endpoint: `${origin}${OAUTH_PATHS.authorize}`,
      token_endpoint: `${origin}${OAUTH_PATHS.token}`,
      registration_endpoint: `${origin}${OAUTH_PATHS.register}`,
      revocation_endpoint: `${origin}${OAUTH_PATHS.revoke}`,
      jwks_uri: `${origin}${OAUTH_PATHS.jwks}`,
      scopes_supported: ALL_SCOPES,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: authMethods,
      revocation_endpoint_auth_methods_supported: authMethods,
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    });
  });

  app.get(OAUTH_PATHS.jwks, async (c) => c.json({ keys: [(await s.access.keys.accessTokens()).jwk] }));
  return app;
}
