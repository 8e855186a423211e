// GET / for browsers: the landing page. Every other client (Accept without text/html) keeps the
// answer it had before the page existed: the JSON not_found of any unknown route.
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import type { Services } from "../../node/services.ts";
import type { AppEnv } from "../request/app-env.ts";
import type { AdminRequest } from "../console/admin-bridge.ts";
import { LOCALE_COOKIE, localeFor, pickLocale } from "../console/i18n/locale.ts";
import { setSecurityHeaders } from "../console/security-headers.ts";
import { nodeOrigin, resourceOf } from "../oauth/metadata.ts";
import { LandingPage } from "./page.tsx";

/** True when the client asks for HTML at least as much as for anything else (browsers do). */
export function wantsHtml(accept: string | undefined): boolean {
  const ranked = (accept ?? "").split(",").map((part) => {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const q = Number(params.find((p) => p.trim().startsWith("q="))?.trim().slice(2) ?? 1);
    return { type: type.trim(), q: Number.isFinite(q) ? q : 0 };
  });
  const html = ranked.find((r) => r.type === "text/html")?.q ?? 0;
  return html > 0 && ranked.every((r) => r.q <= html || r.type === "*/*");
}

export function landingRoutes(s: Services, admin: AdminRequest): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", async (c, next) => {
    if (!wantsHtml(c.req.header("accept"))) return next();
    const origin = nodeOrigin(s.config, c.req.url);
    const count = async (path: string, key: string) => ((await (await admin(c, "GET", path)).json()) as Record<string, unknown[]>)[key]?.length ?? 0;
    const [upstreams, peers] = await Promise.all([count("/upstreams", "upstreams"), count("/peers", "peers")]);
    const l = localeFor(pickLocale(getCookie(c, LOCALE_COOKIE), c.req.header("accept-language")));
    const page = <LandingPage l={l} v={{ nodeName: s.config.nodeName, mcpUrl: resourceOf(origin), cardUrl: `${origin}/.well-known/mcpfed`, fresh: upstreams + peers === 0 }} />;
    setSecurityHeaders(c);
    return c.html(`<!doctype html>${await page.toString()}`);
  });
  return app;
}
