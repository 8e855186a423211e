// Resolves the bearer token of an /mcp request to a Principal: an OAuth access token (a JWT for
// this resource, from a session still in force) or an API token. Without a token the request is
// anonymous in authless mode and challenged (401, RFC 9728 discovery) otherwise.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import { jsonRpcError } from "../request/jsonrpc.ts";
import type { Services } from "../../node/services.ts";
import { InvalidTokenError } from "../../node/access/credentials/access-tokens.ts";
import { API_TOKEN_PREFIX, resolveApiToken } from "../../node/access/credentials/api-tokens.ts";
import { liveSession } from "../../node/access/oauth/sessions.ts";
import { nodeOrigin, resourceMetadataUrl, resourceOf } from "./metadata.ts";
import { ANONYMOUS, type Principal } from "../../node/access/principals/principal.ts";
import { ALL_SCOPES, type Scope } from "../../node/access/principals/scopes.ts";
import { METRICS } from "../../node/metrics/definitions.ts";

function quoted(v: string): string {
  return `"${v.replace(/["\\]/g, "")}"`;
}

function challenge(origin: string, fields: Record<string, string>): string {
  const all = { resource_metadata: resourceMetadataUrl(origin), ...fields };
  return `Bearer ${Object.entries(all).map(([k, v]) => `${k}=${quoted(v)}`).join(", ")}`;
}

/** 401: no token, or one that does not hold. The header sends the client to discovery. */
export function unauthorized(c: Context, origin: string, reason?: string): Response {
  c.header(
    "WWW-Authenticate",
    challenge(origin, {
      scope: ALL_SCOPES.join(" "),
      ...(reason ? { error: "invalid_token", error_description: reason } : {}),
    }),
  );
  return c.json(jsonRpcError(-32001, `Unauthorized: ${reason ?? "a bearer token is required"}`), 401);
}

/** 403 insufficient_scope: the token is good but lacks `scope`; the client may ask for it. */
export function insufficientScope(c: Context, origin: string, scope: Scope): Response {
  const reason = `this request needs the ${scope} scope`;
  c.header("WWW-Authenticate", challenge(origin, { error: "insufficient_scope", scope, error_description: reason }));
  return c.json(jsonRpcError(-32001, `Forbidden: ${reason}`, { type: "insufficient_scope", scope }), 403);
}

class Refused extends Error {}

async function resolve(s: Services, c: Context<AppEnv>, token: string, origin: string): Promise<Principal> {
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const p = await resolveApiToken(s.db, token, c.var.defer);
    if (!p) throw new Refused("unknown, revoked or expired API token");
    return p;
  }
  const claims = await s.access.accessTokens.verify(token, { issuer: origin, audience: resourceOf(origin) });
  const session = await liveSession(s.db, claims.sessionId);
  if (!session || session.clientId !== claims.clientId) throw new Refused("the authorization behind this token was revoked");
  return {
    kind: "client",
    id: `client:${claims.clientId}`,
    subject: claims.clientId,
    name: session.clientName,
    scopes: claims.scopes,
    roles: session.roles,
  };
}

export function bearer(s: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = nodeOrigin(s.config, c.req.url);
    const header = c.req.header("authorization");
    if (!header) {
      if (!s.config.authless) return unauthorized(c, origin);
      c.set("principal", ANONYMOUS);
      return next();
    }
    const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    let principal: Principal;
    try {
      if (!m) throw new Refused("malformed Authorization header");
      principal = await resolve(s, c, m[1]!, origin);
    } catch (err) {
      if (!(err instanceof Refused || err instanceof InvalidTokenError)) throw err;
      c.var.defer(
        s.access.audit.append({ actor: "unknown", action: "auth.bearer", target: "/mcp", decision: "deny", reason: err.message }),
      );
      s.metrics.count(METRICS.authFailures, { kind: "mcp_token" });
      return unauthorized(c, origin, err.message);
    }
    c.set("principal", principal);
    return next();
  };
}
