// DNS-rebinding protection for /mcp: the Host must be one of ours, and a browser's Origin too.
import type { MiddlewareHandler } from "hono";
import type { Config } from "../../node/settings/config.ts";
import { jsonRpcError } from "./jsonrpc.ts";

function hostname(hostHeader: string): string {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return "";
  }
}

/** An entry with a port must match exactly; one without matches the name on any port; "*" any. */
export function hostAllowed(hostHeader: string, allowed: string[]): boolean {
  const h = hostHeader.toLowerCase();
  const name = hostname(h);
  if (!name) return false;
  return allowed.some((entry) => {
    if (entry === "*") return true;
    const e = entry.toLowerCase();
    return /:\d+$/.test(e) ? e === h : hostname(e) === name;
  });
}

/** Listed origins, same-origin requests, and origins on an explicitly allowed host. */
export function originAllowed(origin: string, cfg: Pick<Config, "allowedOrigins" | "allowedHosts">, host: string): boolean {
  if (cfg.allowedOrigins.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" and other opaque origins
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  if (url.host.toLowerCase() === host.toLowerCase()) return true;
  return hostAllowed(url.host, cfg.allowedHosts.filter((h) => h !== "*"));
}

/** The Host check alone, for endpoints that browsers of any origin may call (OAuth discovery, token). */
export function hostGuard(cfg: Config): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!hostAllowed(host, cfg.allowedHosts)) return c.json({ error: "invalid_request", error_description: "Host not allowed" }, 403);
    await next();
  };
}

export function originGuard(cfg: Config): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!hostAllowed(host, cfg.allowedHosts)) {
      return c.json(jsonRpcError(-32000, "Forbidden: Host not allowed", { type: "host_not_allowed" }), 403);
    }
    const origin = c.req.header("origin");
    if (origin !== undefined && !originAllowed(origin, cfg, host)) {
      return c.json(jsonRpcError(-32000, "Forbidden: Origin not allowed", { type: "origin_not_allowed" }), 403);
    }
    await next();
  };
}
