// The token endpoint: an authorization code (with its PKCE verifier) or a refresh token, for an
// access token and the next refresh token. A replayed code or refresh token revokes the session
// it produced: one of the two presenters is not the client.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { issueAccessToken } from "../../node/access/credentials/access-tokens.ts";
import { parseScopes, type Scope } from "../../node/access/principals/scopes.ts";
import { s256 } from "../../secrets/token-secrets.ts";
import { authenticateClient, readClientCredentials, type ClientRow } from "../../node/access/oauth/clients.ts";
import { linkCodeToSession, redeemCode } from "../../node/access/oauth/codes.ts";
import { OAuthError } from "../../node/access/oauth/errors.ts";
import { oauthErrorResponse } from "./errors.ts";
import { nodeOrigin, OAUTH_PATHS } from "./metadata.ts";
import { createSession, revokeSession, rotateRefreshToken } from "../../node/access/oauth/sessions.ts";

/** Reads an application/x-www-form-urlencoded body, the only kind OAuth endpoints take. */
export async function readForm(c: Context): Promise<URLSearchParams> {
  if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw new OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded");
  }
  return new URLSearchParams(await c.req.text());
}

export function tokenRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  async function tokens(origin: string, client: ClientRow, sessionId: string, audience: string, scopes: readonly Scope[], refreshToken: string) {
    const access = await issueAccessToken(s.access.keys, { issuer: origin, audience, clientId: client.clientId, sessionId, scopes });
    return {
      access_token: access.token,
      token_type: "Bearer",
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
      scope: scopes.join(" "),
    };
  }

  async function byCode(origin: string, client: ClientRow, form: URLSearchParams) {
    const code = form.get("code");
    if (!code) throw new OAuthError("invalid_request", "code is required");
    const use = await redeemCode(s.db, code, async (c) => {
      if (c.clientId !== client.clientId) throw new OAuthError("invalid_grant", "the code was issued to another client");
      if (form.get("redirect_uri") !== c.redirectUri) throw new OAuthError("invalid_grant", "redirect_uri does not match the authorization request");
      const verifier = form.get("code_verifier");
      if (!verifier) throw new OAuthError("invalid_grant", "code_verifier is required (PKCE)");
      if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier) || (await s256(verifier)) !== c.codeChallenge) {
        throw new OAuthError("invalid_grant", "code_verifier does not match the code challenge");
      }
      const resource = form.get("resource");
      if (resource !== null && resource !== c.resource) throw new OAuthError("invalid_target", "resource does not match the authorization request");
    });
    if (!use.ok) {
      // Only a presenter that passed the checks above, verifier and all, gets here with a replay.
      if (use.reason === "replayed") {
        if (use.sessionId) await revokeSession(s.db, use.sessionId, "authorization code replayed");
        throw new OAuthError("invalid_grant", "the authorization code was already used; the tokens issued for it are revoked");
      }
      throw new OAuthError("invalid_grant", use.reason === "expired" ? "the authorization code has expired" : "unknown authorization code");
    }
    const c = use.code;
    const scopes = c.scopes as Scope[];
    const { session, refreshToken } = await createSession(s.db, { clientId: client.clientId, scopes, resource: c.resource });
    await linkCodeToSession(s.db, c.codeHash, session.id);
    return { session: session.id, body: await tokens(origin, client, session.id, c.resource, scopes, refreshToken) };
  }

  async function byRefreshToken(origin: string, client: ClientRow, form: URLSearchParams) {
    const token = form.get("refresh_token");
    if (!token) throw new OAuthError("invalid_request", "refresh_token is required");
    const r = await rotateRefreshToken(s.db, token, client.clientId);
    if (r.reused) {
      await revokeSession(s.db, r.sessionId, "refresh token reused");
      throw new OAuthError("invalid_grant", "the refresh token was already used; the authorization is revoked");
    }
    const granted = r.session.scopes as Scope[];
    const asked = parseScopes(form.get("scope") ?? undefined);
    if (!asked || asked.some((x) => !granted.includes(x))) throw new OAuthError("invalid_scope", "a refresh cannot widen the scopes granted");
    const resource = form.get("resource");
    if (resource !== null && resource !== r.session.resource) throw new OAuthError("invalid_target", "resource does not match the authorization");
    const scopes = asked.length > 0 ? asked : granted;
    return { session: r.session.id, body: await tokens(origin, client, r.session.id, r.session.resource, scopes, r.refreshToken) };
  }

  app.post(OAUTH_PATHS.token, async (c) => {
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");
    const origin = nodeOrigin(s.config, c.req.url);
    let actor = "unknown";
    let grantType: string | null = null;
    try {
      const form = await readForm(c);
      grantType = form.get("grant_type");
      const client = await authenticateClient(s.db, readClientCredentials(c.req.header("authorization"), form), s.outbound);
      actor = `client:${client.clientId}`;
      let issued: { session: string; body: Awaited<ReturnType<typeof tokens>> };
      if (grantType === "authorization_code") issued = await byCode(origin, client, form);
      else if (grantType === "refresh_token") issued = await byRefreshToken(origin, client, form);
      else throw new OAuthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
      await s.access.audit.append({ actor, action: "auth.token", target: issued.session, decision: "allow", reason: `issued by ${grantType}` });
      return c.json(issued.body);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      await s.access.audit.append({ actor, action: "auth.token", decision: "deny", reason: `${err.code}: ${err.description}`, details: { grantType } });
      return oauthErrorResponse(c, err);
    }
  });

  return app;
}
