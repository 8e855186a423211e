// Token revocation (RFC 7009): a refresh token or an access token ends its whole session, and
// with it every access token issued under it. The answer is 200 whatever the token was.
import { Hono } from "hono";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { InvalidTokenError } from "../../node/access/credentials/access-tokens.ts";
import { authenticateClient, readClientCredentials } from "../../node/access/oauth/clients.ts";
import { OAuthError } from "../../node/access/oauth/errors.ts";
import { oauthErrorResponse } from "./errors.ts";
import { nodeOrigin, OAUTH_PATHS } from "./metadata.ts";
import { looksLikeRefreshToken, revokeSession, sessionOfRefreshToken } from "../../node/access/oauth/sessions.ts";
import { readForm } from "./token.ts";

export function revocationRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post(OAUTH_PATHS.revoke, async (c) => {
    c.header("Cache-Control", "no-store");
    try {
      const form = await readForm(c);
      const client = await authenticateClient(s.db, readClientCredentials(c.req.header("authorization"), form), s.outbound);
      const token = form.get("token");
      if (!token) throw new OAuthError("invalid_request", "token is required");
      let sessionId: string | undefined;
      if (looksLikeRefreshToken(token)) {
        sessionId = (await sessionOfRefreshToken(s.db, token, client.clientId))?.id;
      } else {
        try {
          const claims = await s.access.accessTokens.verifySignature(token, { issuer: nodeOrigin(s.config, c.req.url) }, true);
          if (claims.clientId === client.clientId) sessionId = claims.sessionId;
        } catch (err) {
          if (!(err instanceof InvalidTokenError)) throw err;
        }
      }
      const revoked = sessionId !== undefined && (await revokeSession(s.db, sessionId, "revoked by the client"));
      await s.access.audit.append({
        actor: `client:${client.clientId}`,
        action: "auth.revoke",
        target: sessionId ?? null,
        decision: "ok",
        reason: revoked ? "session revoked" : "nothing to revoke",
      });
      return c.body(null, 200);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      return oauthErrorResponse(c, err);
    }
  });
  return app;
}
