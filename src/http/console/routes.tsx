// The operator's console at /console: sign-in, the pages, and the actions, each of which is one
// admin API request made in-process (admin-bridge.ts). Pages read through the admin API too.
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { Services } from "../../node/services.ts";
import { ConsentThrottle } from "../../node/access/oauth/consent-throttle.ts";
import { sameSecret } from "../../secrets/token-secrets.ts";
import type { AppEnv } from "../request/app-env.ts";
import type { AdminRequest } from "./admin-bridge.ts";
import { LOCALE_COOKIE, localeFor, pickLocale, type Locale } from "./i18n/locale.ts";
import { ConsolePage, SECTIONS, type Flash, type Section } from "./layout.tsx";
import { AdminReadError, type PageContext } from "./page-context.ts";
import { accessPage } from "./access-page.tsx";
import { agentsPage } from "./agents-page.tsx";
import { alertsPage } from "./alerts-page.tsx";
import { callsPage } from "./calls-page.tsx";
import { catalogPage } from "./catalog-page.tsx";
import { federationPage } from "./federation-page.tsx";
import { ledgerPage } from "./ledger-page.tsx";
import { overviewPage } from "./overview-page.tsx";
import { securityHeaders } from "./security-headers.ts";
import { currentSession, endSession, sameCsrf, signinToken, signinTokenMatches, startSession, type ConsoleSession } from "./session.ts";
import { SigninPage } from "./signin.tsx";
import { consolePath, presentationRoutes } from "./presentation-routes.ts";

const PAGES: Record<Section, (p: PageContext) => Promise<JSX.Element>> = {
  overview: overviewPage,
  alerts: alertsPage,
  catalog: catalogPage,
  federation: federationPage,
  calls: callsPage,
  ledger: ledgerPage,
  access: accessPage,
  agents: agentsPage,
};

type ConsoleEnv = { Bindings: AppEnv["Bindings"]; Variables: AppEnv["Variables"] & { session: ConsoleSession } };
type Fields = Record<string, string>;
const seg = (v: string) => encodeURIComponent(v);

/** What each console button does: one admin API request, built from the form's fields. */
const ACTIONS: Record<string, { needs: readonly string[]; method: string; path: (f: Fields) => string; body?: (f: Fields) => unknown }> = {
  "upstream-refresh": { needs: ["name"], method: "POST", path: (f) => `/upstreams/${seg(f.name!)}/refresh` },
  "tool-hide": { needs: ["name"], method: "PATCH", path: (f) => `/tools/${seg(f.name!)}`, body: () => ({ hidden: true }) },
  "tool-show": { needs: ["name"], method: "PATCH", path: (f) => `/tools/${seg(f.name!)}`, body: () => ({ hidden: false }) },
  "tool-rename": { needs: ["name", "to"], method: "PATCH", path: (f) => `/tools/${seg(f.name!)}`, body: (f) => ({ name: f.to }) },
  "tool-pin": { needs: ["name"], method: "PATCH", path: (f) => `/tools/${seg(f.name!)}`, body: () => ({ pinned: true }) },
  "tool-unpin": { needs: ["name"], method: "PATCH", path: (f) => `/tools/${seg(f.name!)}`, body: () => ({ pinned: false }) },
  "upstream-pins": { needs: ["name", "mode"], method: "PUT", path: (f) => `/upstreams/${seg(f.name!)}/pins`, body: (f) => ({ mode: f.mode }) },
  "change-approve": { needs: ["id"], method: "POST", path: (f) => `/tools/changes/${seg(f.id!)}/approve` },
  "change-reject": { needs: ["id"], method: "POST", path: (f) => `/tools/changes/${seg(f.id!)}/reject` },
  "version-pin": { needs: ["origin", "key", "version"], method: "PUT", path: () => "/registry/pins", body: (f) => ({ origin: f.origin, key: f.key, version: f.version }) },
  "version-unpin": { needs: ["origin", "key"], method: "DELETE", path: (f) => `/registry/pins/${seg(f.origin!)}/${f.key!.split("/").map(seg).join("/")}` },
  share: { needs: ["tool", "visibility"], method: "POST", path: () => "/shares", body: (f) => ({ tool: f.tool, visibility: f.visibility }) },
  unshare: { needs: ["key", "kind"], method: "DELETE", path: (f) => `/shares/${f.key!.split("/").map(seg).join("/")}?kind=${seg(f.kind!)}` },
  "peer-approve": { needs: ["id"], method: "POST", path: (f) => `/peers/${seg(f.id!)}/approve` },
  "peer-block": { needs: ["id"], method: "POST", path: (f) => `/peers/${seg(f.id!)}/block` },
  "peer-unblock": { needs: ["id"], method: "POST", path: (f) => `/peers/${seg(f.id!)}/unblock` },
  "peer-alias": { needs: ["id", "alias"], method: "PATCH", path: (f) => `/peers/${seg(f.id!)}`, body: (f) => ({ alias: f.alias }) },
  "grant-approve": { needs: ["id"], method: "POST", path: (f) => `/grants/${seg(f.id!)}/approve`, body: () => ({}) },
  "grant-deny": { needs: ["id"], method: "POST", path: (f) => `/grants/${seg(f.id!)}/deny`, body: () => ({}) },
  "grant-revoke": { needs: ["id"], method: "POST", path: (f) => `/grants/${seg(f.id!)}/revoke` },
  "alert-ack": { needs: ["id"], method: "POST", path: (f) => `/alerts/${seg(f.id!)}/ack` },
  // An optional field left empty is left out, as the CLI leaves out an option not given.
  "stripe-set": {
    needs: ["secretKey"],
    method: "PUT",
    path: () => "/ledger/settlement-methods/stripe",
    body: (f) => ({ secretKey: f.secretKey, customer: f.customer || undefined, paymentMethod: f.paymentMethod || undefined, destination: f.destination || undefined }),
  },
  "stripe-remove": { needs: [], method: "DELETE", path: () => "/ledger/settlement-methods/stripe" },
};

/** A path inside the console to return to; anything else returns to the overview. */
function localeOf(c: Context<ConsoleEnv>): Locale {
  return localeFor(pickLocale(getCookie(c, LOCALE_COOKIE), c.req.header("accept-language")));
}

async function html(c: Context<ConsoleEnv>, page: JSX.Element, status: 200 | 400 | 401 | 403 | 429 = 200) {
  return c.html(`<!doctype html>${await page.toString()}`, status);
}

/** The flash message an action left in the query string. */
function flashOf(c: Context<ConsoleEnv>, l: Locale): Flash | undefined {
  const failed = c.req.query("failed");
  if (failed) return { ok: false, text: l.t("failed", { message: failed.slice(0, 300) }) };
  return c.req.query("done") ? { ok: true, text: l.t("done") } : undefined;
}

async function formFields(c: Context<ConsoleEnv>): Promise<Fields> {
  const form = await c.req.parseBody();
  return Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === "string" && e[1].length <= 2000));
}

export function consoleRoutes(s: Services, admin: AdminRequest): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const throttle = new ConsentThrottle(s.access.limits);

  app.route("/", presentationRoutes());

  app.use("*", securityHeaders);

  app.get("/signin", async (c) => html(c, <SigninPage l={localeOf(c)} nodeName={s.config.nodeName} token={await signinToken(c, s)} />));

  app.post("/signin", async (c) => {
    const l = localeOf(c);
    const f = await formFields(c);
    const again = async (status: 400 | 401 | 429, error: string) =>
      html(c, <SigninPage l={l} nodeName={s.config.nodeName} token={await signinToken(c, s)} error={error} />, status);
    if (!(await signinTokenMatches(c, s, f._csrf))) return again(400, l.t("signin.expired"));
    const address = c.var.clientAddress;
    // The consent page's counters: both doors take the same passphrase, so guesses count together.
    const lock = await throttle.lockFor(address, "console");
    const secret = f.secret ?? "";
    const isAdmin = await sameSecret(secret, s.config.adminToken);
    if (lock === "source" || (lock && !isAdmin)) return again(429, l.t("signin.locked"));
    if (!isAdmin && !(await sameSecret(secret, s.config.consentPassphrase))) {
      await throttle.failed(address, "console");
      await s.access.audit.append({ actor: "unknown", action: "console.signin", target: "console", decision: "deny", reason: "wrong secret", details: { address } });
      return again(401, l.t("signin.wrong"));
    }
    await throttle.succeeded(address);
    await s.access.audit.append({ actor: "operator", action: "console.signin", target: "console", decision: "allow", reason: isAdmin ? "admin token" : "consent passphrase", details: { address } });
    await startSession(c, s);
    return c.redirect("/console/overview", 303);
  });

  // Everything below needs a session; a POST also its CSRF token.
  app.use("*", async (c, next) => {
    const session = await currentSession(c, s);
    if (!session) return c.redirect("/console/signin", c.req.method === "GET" ? 302 : 303);
    if (c.req.method === "POST") {
      const f = await formFields(c);
      if (!(await sameCsrf(session, f._csrf))) return c.text("Forbidden: the form's CSRF token is missing or wrong.", 403);
    }
    c.set("session", session);
    await next();
  });

  app.post("/signout", async (c) => {
    await endSession(c, s, c.var.session);
    return c.redirect("/console/signin", 303);
  });

  app.get("/", (c) => c.redirect("/console/overview", 302));

  // The admin API's export, as a download.
  app.get("/ledger/export", async (c) => {
    const format = c.req.query("format") === "csv" ? "csv" : "json";
    const res = await admin(c, "GET", `/ledger/export?format=${format}`);
    if (!res.ok) return c.text(`The export failed: HTTP ${res.status}`, 502);
    return c.body(await res.arrayBuffer(), 200, {
      "content-type": res.headers.get("content-type") ?? "application/octet-stream",
      "content-disposition": `attachment; filename="ledger-records.${format}"`,
    });
  });

  app.post("/actions/:name", async (c) => {
    const spec = Object.hasOwn(ACTIONS, c.req.param("name")) ? ACTIONS[c.req.param("name")] : undefined;
    if (!spec) return c.text("No such action.", 404);
    const f = await formFields(c);
    if (spec.needs.some((k) => !f[k])) return c.text(`This action needs ${spec.needs.join(", ")}.`, 400);
    const res = await admin(c, spec.method, spec.path(f), spec.body?.(f));
    const back = new URL(consolePath(f._back), c.req.url);
    for (const k of ["done", "failed"]) back.searchParams.delete(k);
    if (res.ok) back.searchParams.set("done", "1");
    else {
      const body = (await res.json().catch(() => ({}))) as { error?: { message?: string; issues?: { path: string; message: string }[] } };
      // A shape refusal names each field and why (the schema's words, never the value sent).
      const issues = (body.error?.issues ?? []).map((i) => `${i.path}: ${i.message}`).join("; ");
      back.searchParams.set("failed", `${body.error?.message ?? `HTTP ${res.status}`}${issues ? ` (${issues})` : ""}`);
    }
    return c.redirect(`${back.pathname}${back.search}`, 303);
  });

  app.get("/:section", async (c) => {
    const section = c.req.param("section");
    if (!(SECTIONS as readonly string[]).includes(section)) return c.notFound();
    const l = localeOf(c);
    const url = new URL(c.req.url);
    for (const k of ["done", "failed"]) url.searchParams.delete(k);
    const ctx: PageContext = {
      l,
      csrf: c.var.session.csrf,
      back: `${url.pathname}${url.search}`,
      query: url.searchParams,
      nodeName: s.config.nodeName,
      get: async <T,>(path: string) => {
        const res = await admin(c, "GET", path);
        if (!res.ok) throw new AdminReadError(res.status, `GET ${path}: HTTP ${res.status}`);
        return (await res.json()) as T;
      },
    };
    const body = await PAGES[section as Section](ctx);
    return html(
      c,
      <ConsolePage l={l} section={section as Section} nodeName={s.config.nodeName} csrf={ctx.csrf} back={ctx.back} flash={flashOf(c, l)}>
        {body}
      </ConsolePage>,
    );
  });

  return app;
}
