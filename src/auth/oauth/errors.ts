// OAuth error responses (RFC 6749 section 5.2): a code from the standard list and a description
// that never contains a secret.
import type { Context } from "hono";

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_target"
  | "invalid_redirect_uri"
  | "invalid_client_metadata"
  | "access_denied"
  | "unsupported_response_type"
  | "temporarily_unavailable";

export class OAuthError extends Error {
  override name = "OAuthError";
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status: 400 | 401 | 403 | 429 = 400,
  ) {
    super(description);
  }
}

export function oauthErrorResponse(c: Context, err: OAuthError): Response {
  c.header("Cache-Control", "no-store");
  if (err.code === "invalid_client" && err.status === 401) c.header("WWW-Authenticate", 'Basic realm="oauth"');
  return c.json({ error: err.code, error_description: err.description }, err.status);
}
