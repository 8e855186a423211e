// Where a principal connects, or disconnects, its own credential for a per-principal upstream:
// a page opened from the link in its error (for people), and PUT/DELETE with its own bearer token
// (for scripts and API-token holders).
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { bearer } from "../auth/bearer.ts";
import { errorPage } from "../auth/oauth/consent-page.ts";
import { nodeOrigin } from "../auth/oauth/metadata.ts";
import { hostGuard } from "../guards/origin.ts";
import type { Services } from "../services.ts";
import { CONNECT_PATH, ConnectLinkError, openConnectLink } from "./connect-link.ts";
import { connectPage } from "./connect-page.ts";
import { headerValue, holdsOwnCredentials } from "./per-principal.ts";
import { getUpstream, type UpstreamRow } from "./repository.ts";

const MAX_BODY_BYTES = 16 * 1024;

function securePage(c: Context, status: 200 | 400 | 403 | 404, body: Promise<string> | string) {
  c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  c.header("X-Frame-Options", "DENY");
  c.header("Referrer-Policy", "no-referrer");
  c.header("Cache-Control", "no-store");
  return c.html(body, status);
}

/** The upstream's header, if it is a per-principal upstream in header mode. */
async function headerUpstream(s: Services, name: string): Promise<(UpstreamRow & { header: string }) | undefined> {
  const row = await getUpstream(s.db, name);
  return row?.perPrincipal?.mode === "header" ? { ...row, header: row.perPrincipal.header } : undefined;
}

export function connectRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const path = `${CONNECT_PATH}/:upstream`;
  app.use(`${CONNECT_PATH}/*`, hostGuard(s.config));
  app.use(`${CONNECT_PATH}/*`, bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: { code: "invalid_request", message: "body too large" } }, 413) }));
  const audit = (principal: string, action: string, upstream: string, reason: string) =>
    s.access.audit.append({ actor: principal, action, target: upstream, decision: "allow", reason });

  /** Stores or removes the principal's credential; the value never reaches a log or an answer. */
  async function change(principal: string, upstream: string, value: string | undefined, via: string): Promise<boolean> {
    if (value === undefined) {
      const removed = await s.upstreamCredentials.remove(upstream, principal);
      await s.pool.close(upstream, principal);
      if (removed) await audit(principal, "upstream.credential.remove", upstream, `removed by the principal (${via})`);
      return removed;
    }
    await s.upstreamCredentials.put(upstream, principal, "header", value);
    await s.pool.close(upstream, principal);
    await audit(principal, "upstream.credential.set", upstream, `set by the principal (${via})`);
    return true;
  }

  app.get(path, async (c) => {
    const upstream = await headerUpstream(s, c.req.param("upstream"));
    if (!upstream) return securePage(c, 404, errorPage("Unknown upstream", "No upstream here takes a credential of your own under that name."));
    const link = c.req.query("link") ?? "";
    try {
      const claims = await openConnectLink(s, link, upstream.name);
      return securePage(c, 200, connectPage({ nodeName: s.config.nodeName, upstream: upstream.name, principal: claims.principal, header: upstream.header, link }));
    } catch (err) {
      if (!(err instanceof ConnectLinkError)) throw err;
      return securePage(c, 400, errorPage("This link does not work", `${err.message}. Call the tool again to get a new one.`));
    }
  });

  app.post(path, async (c) => {
    // A browser names the page that posted; only our own page may.
    const from = c.req.header("origin");
    if (from !== undefined && from !== nodeOrigin(s.config, c.req.url)) return securePage(c, 403, errorPage("Forbidden", "This form can only be sent from its own page."));
    const upstream = await headerUpstream(s, c.req.param("upstream"));
    if (!upstream) return securePage(c, 404, errorPage("Unknown upstream", "No upstream here takes a credential of your own under that name."));
    const form = await c.req.parseBody();
    const field = (k: string) => (typeof form[k] === "string" ? (form[k] as string) : undefined);
    const link = field("link") ?? "";
    let principal: string;
    try {
      principal = (await openConnectLink(s, link, upstream.name)).principal;
    } catch (err) {
      if (!(err instanceof ConnectLinkError)) throw err;
      return securePage(c, 400, errorPage("This link does not work", `${err.message}. Call the tool again to get a new one.`));
    }
    if (field("action") === "disconnect") {
      const removed = await change(principal, upstream.name, undefined, "connect page");
      return securePage(c, 200, errorPage("Disconnected", removed ? `Your credential for ${upstream.name} is removed.` : `You had no credential for ${upstream.name}.`));
    }
    const value = headerValue.safeParse(field("value") ?? "");
    if (!value.success) {
      const view = { nodeName: s.config.nodeName, upstream: upstream.name, principal, header: upstream.header, link };
      return securePage(c, 400, connectPage({ ...view, error: "The value must be printable ASCII on one line, at most 8192 characters." }));
    }
    await change(principal, upstream.name, value.data, "connect page");
    return securePage(c, 200, errorPage("Connected", `Your calls to ${upstream.name} now carry your own credential. Go back to your application and call again.`));
  });

  // The same, for a caller with its bearer token at hand: an API token, or an OAuth access token.
  const holder: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!holdsOwnCredentials(c.var.principal.kind)) {
      return c.json({ error: { code: "invalid_request", message: "only an API token or an OAuth client holds credentials of its own" } }, 403);
    }
    await next();
  };
  app.put(path, bearer(s), holder, async (c) => {
    const upstream = await headerUpstream(s, c.req.param("upstream"));
    if (!upstream) return c.json({ error: { code: "not_found", message: "no per-principal upstream by that name" } }, 404);
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return c.json({ error: { code: "invalid_request", message: "the body is not valid JSON" } }, 400);
    }
    const body = z.object({ value: headerValue }).strict().safeParse(raw);
    if (!body.success) return c.json({ error: { code: "invalid_request", message: "expected { value }: printable ASCII on one line, at most 8192 characters" } }, 400);
    await change(c.var.principal.id, upstream.name, body.data.value, "bearer");
    return c.json({ upstream: upstream.name, principal: c.var.principal.id, connected: true });
  });
  app.delete(path, bearer(s), holder, async (c) => {
    const removed = await change(c.var.principal.id, c.req.param("upstream"), undefined, "bearer");
    if (!removed) return c.json({ error: { code: "not_found", message: "you hold no credential for that upstream" } }, 404);
    return c.body(null, 204);
  });
  return app;
}
