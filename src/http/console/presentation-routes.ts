// What a page needs that is no part of the node: the stylesheet and the language switch. Served
// by the console, and by the setup page of a node that cannot start yet.
import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import { LOCALE_COOKIE, isLocale } from "./i18n/locale.ts";
import { setSecurityHeaders } from "./security-headers.ts";
import { STYLESHEET } from "./stylesheet.ts";

/** Only a console path (or the landing page) is a place to go back to. */
export function consolePath(back: string | undefined, fallback = "/console/overview"): string {
  return back && /^\/console\/[A-Za-z0-9/_?=&%.+-]*$/.test(back) && !back.includes("//") ? back : fallback;
}

/** Mounted at /console. */
export function presentationRoutes(): Hono {
  const app = new Hono();
  app.get("/assets/console.css", (c) => c.body(STYLESHEET, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=3600" }));
  // The language switch: a cookie for the whole site (the landing page reads it too).
  app.get("/lang", (c) => {
    setSecurityHeaders(c);
    const to = c.req.query("to");
    if (isLocale(to)) setCookie(c, LOCALE_COOKIE, to, { path: "/", sameSite: "Lax", maxAge: 365 * 86_400 });
    const back = c.req.query("back");
    return c.redirect(back === "/" ? "/" : consolePath(back), 303);
  });
  return app;
}
