// The headers of every console and landing page: a strict CSP (the stylesheet is the only
// resource, no script or frame), no framing, no sniffing, no caching of pages.
import type { Context, MiddlewareHandler } from "hono";

export const CONSOLE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function setSecurityHeaders(c: Context): void {
  c.header("Content-Security-Policy", CONSOLE_CSP);
  c.header("X-Frame-Options", "DENY");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "same-origin");
  c.header("Cache-Control", "no-store");
}

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  setSecurityHeaders(c);
  await next();
};
