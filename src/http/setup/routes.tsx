// The whole app of a deployment that lacks a required secret: every route answers 503 with the
// setup page (browsers) or the typed error `setup_required` (API and MCP clients), and nothing
// else runs: no store is opened, no key derived. Only the page's stylesheet and language switch
// are served as such.
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import type { UnsetSecret } from "../../node/settings/setup-check.ts";
import { LOCALE_COOKIE, localeFor, pickLocale } from "../console/i18n/locale.ts";
import { presentationRoutes } from "../console/presentation-routes.ts";
import { setSecurityHeaders } from "../console/security-headers.ts";
import { wantsHtml } from "../landing/routes.tsx";
import { SetupPage, type DeployPlatform } from "./page.tsx";

export function setupApp(unset: UnsetSecret[], platform: DeployPlatform): Hono {
  const app = new Hono();
  app.route("/console", presentationRoutes());
  app.all("*", async (c) => {
    setSecurityHeaders(c);
    if (c.req.method === "GET" && wantsHtml(c.req.header("accept"))) {
      const l = localeFor(pickLocale(getCookie(c, LOCALE_COOKIE), c.req.header("accept-language")));
      return c.html(`<!doctype html>${await (<SetupPage l={l} unset={unset} platform={platform} />).toString()}`, 503);
    }
    const names = unset.map((s) => s.name).join(" and ");
    return c.json({ error: { code: "setup_required", message: `this node is not set up yet: set ${names} (open this node's address in a browser for how)`, secrets: unset } }, 503);
  });
  return app;
}
