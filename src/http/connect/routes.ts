// Where a principal connects, or disconnects, its own credential for a per-principal upstream:
// a page opened from the link in its error (for people), and PUT/DELETE with its own bearer token
// (for scripts and API-token holders).
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { OAuthError } from "@modelcontextprotocol/client";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import { bearer } from "../oauth/bearer.ts";
import { errorPage } from "../oauth/consent-page.ts";
import { nodeOrigin } from "../oauth/metadata.ts";
import { hostGuard } from "../request/origin.ts";
import { redact } from "../../secrets/redaction.ts";
import { log } from "../../node/logging/log.ts";
import { sameSecret } from "../../secrets/token-secrets.ts";
import type { Services } from "../../node/services.ts";
import { CONNECT_PATH, ConnectLinkError, openConnectLink } from "../../node/upstreams/connect-link.ts";
import { connectPage, continuePage } from "./page.ts";
import { headerValue, holdsOwnCredentials } from "../../node/upstreams/per-principal.ts";
import { findUpstream } from "../../node/upstreams/registration.ts";
import { beginAuthorization, finishAuthorization, OAuthConnectError } from "../../node/upstreams/oauth-client.ts";

const MAX_BODY_BYTES = 16 * 1024;
/** Wrong passphrases allowed per principal and window before its connect page locks. */
const PASSPHRASE_FAILURES = { max: 10, windowSeconds: 900 } as const;

function securePage(c: Context, status: 200 | 400 | 401 | 403 | 404 | 429, body: Promise<string> | string) {
  c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  c.header("X-Frame-Options", "DENY");
  c.header("Referrer-Policy", "no-referrer");
  c.header("Cache-Control", "no-store");
  return c.html(body, status);
}

interface OwnCredentialUpstream {
  name: string;
  url: string;
  /** The header a principal supplies; undefined in OAuth mode. */
  header: string | undefined;
}

async function perPrincipalUpstream(s: Services, name: string): Promise<OwnCredentialUpstream | undefined> {
  const row = await findUpstream(s, name);
  const mode = row?.perPrincipal;
  if (!row || !mode) return undefined;
  return { name: row.name, url: row.url!, header: mode.mode === "header" ? mode.header : undefined };
}

/** What the principal is told when the upstream's server refuses: its OAuth error, never a stack. */
function oauthFailure(upstream: string, err: unknown): string {
  const message = redact(err instanceof Error ? err.message : String(err)).slice(0, 300);
  log.warn("upstream.oauth_failed", { upstream, error: err instanceof Error ? err.name : "unknown", message });
  if (err instanceof OAuthConnectError || err instanceof OAuthError) return message;
  return "The upstream's authorization server could not be reached or answered unexpectedly.";
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
    const upstream = await perPrincipalUpstream(s, c.req.param("upstream"));
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
    const upstream = await perPrincipalUpstream(s, c.req.param("upstream"));
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
    // The node's own sign-in, as on its consent page: a link that leaked (it sat in a model's
    // context) is not enough to set anyone's credential.
    const failures = `connect:failures:${principal}`;
    if ((await s.access.limits.peek(failures, PASSPHRASE_FAILURES.windowSeconds)) >= PASSPHRASE_FAILURES.max) {
      return securePage(c, 429, errorPage("Too many attempts", "This page is locked for a few minutes after repeated wrong passphrases."));
    }
    if (!(await sameSecret(field("passphrase") ?? "", s.config.consentPassphrase))) {
      await s.access.limits.count(failures, PASSPHRASE_FAILURES.windowSeconds);
      await s.access.audit.append({ actor: principal, action: "upstream.credential.set", target: upstream.name, decision: "deny", reason: "wrong passphrase" });
      const view = { nodeName: s.config.nodeName, upstream: upstream.name, principal, header: upstream.header, link };
      return securePage(c, 401, connectPage({ ...view, error: "Wrong passphrase." }));
    }
    if (field("action") === "disconnect") {
      const removed = await change(principal, upstream.name, undefined, "connect page");
      return securePage(c, 200, errorPage("Disconnected", removed ? `Your credential for ${upstream.name} is removed.` : `You had no credential for ${upstream.name}.`));
    }
    const origin = nodeOrigin(s.config, c.req.url);
    if (upstream.header === undefined) {
      if (field("action") !== "authorize") return securePage(c, 400, errorPage("Unknown action", "Use the buttons of the page."));
      try {
        const url = await beginAuthorization(s, origin, upstream, principal);
        await audit(principal, "upstream.credential.authorize", upstream.name, "authorization started by the principal (connect page)");
        if (url) return securePage(c, 200, continuePage(upstream.name, url));
      } catch (err) {
        return securePage(c, 400, errorPage("The upstream's authorization failed", oauthFailure(upstream.name, err)));
      }
      return securePage(c, 200, errorPage("Connected", `Your calls to ${upstream.name} carry your own authorization.`));
    }
    const value = headerValue.safeParse(field("value") ?? "");
    if (!value.success) {
      const view = { nodeName: s.config.nodeName, upstream: upstream.name, principal, header: upstream.header, link };
      return securePage(c, 400, connectPage({ ...view, error: "The value must be printable ASCII on one line, at most 8192 characters." }));
    }
    await change(principal, upstream.name, value.data, "connect page");
    return securePage(c, 200, errorPage("Connected", `Your calls to ${upstream.name} now carry your own credential. Go back to your application and call again.`));
  });

  // The upstream's authorization server sends the browser back here with the code.
  app.get(`${path}/callback`, async (c) => {
    const upstream = await perPrincipalUpstream(s, c.req.param("upstream"));
    if (!upstream || upstream.header !== undefined) return securePage(c, 404, errorPage("Unknown upstream", "No upstream here is authorized with OAuth under that name."));
    let claims;
    try {
      claims = await openConnectLink(s, c.req.query("state") ?? "", upstream.name);
    } catch (err) {
      if (!(err instanceof ConnectLinkError)) throw err;
      return securePage(c, 400, errorPage("This authorization does not work", `${err.message}. Call the tool again to get a new link.`));
    }
    const code = c.req.query("code");
    if (!claims.flow || !code) {
      const reason = c.req.query("error") === "access_denied" ? "Access was denied at the upstream." : "The upstream sent no authorization code.";
      return securePage(c, 400, errorPage("Not connected", reason));
    }
    try {
      await finishAuthorization(s, nodeOrigin(s.config, c.req.url), upstream, claims.principal, claims.flow, code, c.req.query("iss"));
    } catch (err) {
      return securePage(c, 400, errorPage("Not connected", oauthFailure(upstream.name, err)));
    }
    await s.pool.close(upstream.name, claims.principal);
    await audit(claims.principal, "upstream.credential.set", upstream.name, "authorized at the upstream's authorization server");
    return securePage(c, 200, errorPage("Connected", `Your calls to ${upstream.name} now carry your own authorization. Go back to your application and call again.`));
  });

  // The same, for a caller with its bearer token at hand: an API token, or an OAuth access token.
  const holder: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!holdsOwnCredentials(c.var.principal.kind)) {
      return c.json({ error: { code: "invalid_request", message: "only an API token or an OAuth client holds credentials of its own" } }, 403);
    }
    await next();
  };
  app.put(path, bearer(s), holder, async (c) => {
    const upstream = await perPrincipalUpstream(s, c.req.param("upstream"));
    if (!upstream) return c.json({ error: { code: "not_found", message: "no per-principal upstream by that name" } }, 404);
    if (upstream.header === undefined) return c.json({ error: { code: "unsupported", message: "this upstream is authorized with OAuth, through the connect page" } }, 400);
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
