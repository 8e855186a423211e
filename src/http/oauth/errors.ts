// OAuth error responses (RFC 6749 section 5.2).
import type { Context } from "hono";
import type { OAuthError } from "../../node/access/oauth/errors.ts";

export function oauthErrorResponse(c: Context, err: OAuthError): Response {
  c.header("Cache-Control", "no-store");
  if (err.code === "invalid_client" && err.status === 401) c.header("WWW-Authenticate", 'Basic realm="oauth"');
  return c.json({ error: err.code, error_description: err.description }, err.status);
}
