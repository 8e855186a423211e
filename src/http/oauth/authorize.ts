// The authorization endpoint: validates the request (client, redirect URI, PKCE S256, resource,
// scopes), then issues a code at once for a client the operator pre-approved, or shows the consent
// page. Errors are shown on a page, never redirected, unless the operator has approved the client
// (and with it its redirect URIs).
import { Hono, type Context } from "hono";
import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { AppEnv } from "../request/app-env.ts";
import type { Services } from "../../node/services.ts";
import { ALL_SCOPES, parseScopes, scopeSchema, type Scope } from "../../node/access/principals/scopes.ts";
import { sameSecret } from "../../secrets/token-secrets.ts";
import { clientById, findClient, redirectUriMatches, updateClient, type ClientRow } from "../../node/access/oauth/clients.ts";
import { issueCode } from "../../node/access/oauth/codes.ts";
import { consentPage, errorPage } from "./consent-page.ts";
import { ConsentThrottle, type ConsentLock } from "../../node/access/oauth/consent-throttle.ts";
import { OAuthError } from "../../node/access/oauth/errors.ts";
import { nodeOrigin, OAUTH_PATHS, resourceOf } from "./metadata.ts";

const authorizeQuery = z.object({
  response_type: z.string().max(50).optional(),
  client_id: z.string().min(1).max(2000),
  redirect_uri: z.string().max(2000).optional(),
  code_challenge: z.string().max(200).optional(),
  code_challenge_method: z.string().max(20).optional(),
  state: z.string().max(2000).optional(),
  scope: z.string().max(1000).optional(),
  resource: z.string().max(2000).optional(),
});

/** A vetted authorization request, carried signed through the consent form. */
const pendingRequest = z.object({
  clientId: z.string(),
  redirectUri: z.string(),
  codeChallenge: z.string(),
  state: z.string().optional(),
  scopes: z.array(scopeSchema),
  resource: z.string(),
});
type PendingRequest = z.infer<typeof pendingRequest>;

const CONSENT_TTL_SECONDS = 600;
const CONSENT_TYP = "consent+jwt";

const LOCK_TEXT: Record<ConsentLock, string> = {
  source: "Consent is locked for this address for a few minutes after repeated wrong passphrases.",
  client: "Consent for this client is locked for a few minutes after repeated wrong passphrases.",
  node: "Consent is locked for addresses that gave wrong passphrases, for a few minutes.",
};

function redirectTo(redirectUri: string, params: Record<string, string | undefined>): Response {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { location: url.href, "cache-control": "no-store" } });
}

function securePage(c: Context, status: 200 | 400 | 401 | 403 | 429, body: Promise<string> | string, formTarget?: string) {
  // form-action must allow the redirect that follows the POST, or browsers block it.
  c.header(
    "Content-Security-Policy",
    `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${formTarget ? ` ${new URL(formTarget).origin}` : ""}; frame-ancestors 'none'; base-uri 'none'`,
  );
  c.header("X-Frame-Options", "DENY");
  // Nothing leaks to the redirect target; "no-referrer" would also make browsers send
  // `Origin: null` with the form, which the POST handler must refuse.
  c.header("Referrer-Policy", "same-origin");
  c.header("Cache-Control", "no-store");
  return c.html(body, status);
}

export function authorizeRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const throttle = new ConsentThrottle(s.access.limits);
  const audit = (actor: string, decision: "allow" | "deny", reason: string, details?: Record<string, unknown>) =>
    s.access.audit.append({ actor, action: "auth.consent", target: actor.replace(/^client:/, ""), decision, reason, details: details ?? null });

  async function succeed(origin: string, req: PendingRequest): Promise<Response> {
    const code = await issueCode(s.db, req);
    return redirectTo(req.redirectUri, { code, state: req.state, iss: origin });
  }

  async function render(c: Context<AppEnv>, client: ClientRow, req: PendingRequest, status: 200 | 401, error?: string) {
    const key = await s.access.keys.consent();
    const request = await new SignJWT({ ...req })
      .setProtectedHeader({ alg: "HS256", typ: CONSENT_TYP })
      .setIssuedAt()
      .setExpirationTime(`${CONSENT_TTL_SECONDS}s`)
      .sign(key);
    const body = consentPage({
      nodeName: s.config.nodeName,
      clientName: client.name,
      clientId: client.clientId,
      documentedClient: client.kind === "metadata-document",
      redirectUri: req.redirectUri,
      scopes: req.scopes,
      request,
      error,
    });
    return securePage(c, status, body, req.redirectUri);
  }

  app.get(OAUTH_PATHS.authorize, async (c) => {
    const origin = nodeOrigin(s.config, c.req.url);
    const q = authorizeQuery.safeParse(c.req.query());
    if (!q.success) return securePage(c, 400, errorPage("Invalid authorization request", "client_id is missing or a parameter is malformed."));
    const p = q.data;
    let client: ClientRow;
    try {
      client = await findClient(s.db, p.client_id, s.outbound);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      return securePage(c, 400, errorPage("Unknown client", err.description));
    }
    const known = client.redirectUris.find((r) => p.redirect_uri === undefined || redirectUriMatches(r, p.redirect_uri));
    if (!known || (p.redirect_uri === undefined && client.redirectUris.length !== 1)) {
      return securePage(c, 400, errorPage("Invalid redirect URI", "The redirect URI is not one this client registered."));
    }
    const redirectUri = p.redirect_uri ?? known;
    // Anyone may register a redirect URI, so a registered one is not yet trusted: redirecting there
    // on an error would make this node an open redirector (RFC 9700, section 4.11.2). Only a client
    // the operator approved gets its errors by redirect; the others see them here.
    const fail = (error: string, description: string) =>
      client.preApproved
        ? redirectTo(redirectUri, { error, error_description: description, state: p.state, iss: origin })
        : securePage(c, 400, errorPage("Invalid authorization request", `${error}: ${description}`));

    if (p.response_type !== "code") return fail("unsupported_response_type", "only response_type=code is supported");
    if (!p.code_challenge || p.code_challenge_method !== "S256") return fail("invalid_request", "PKCE with code_challenge_method=S256 is required");
    if (!/^[A-Za-z0-9_-]{43}$/.test(p.code_challenge)) return fail("invalid_request", "code_challenge is not an S256 challenge");
    const resource = resourceOf(origin);
    if (p.resource !== undefined && p.resource !== resource) return fail("invalid_target", `this server's only resource is ${resource}`);
    const asked = parseScopes(p.scope);
    if (!asked) return fail("invalid_scope", `known scopes are ${ALL_SCOPES.join(", ")}`);
    // A client that registered a scope gets at most that; one that did not, any scope.
    const registeredScopes = parseScopes(client.metadata.scope as string | undefined) ?? [];
    const ceiling = registeredScopes.length > 0 ? registeredScopes : [...ALL_SCOPES];
    if (asked.some((x) => !ceiling.includes(x))) return fail("invalid_scope", "the client did not register for every scope it asks for");
    const scopes: Scope[] = asked.length > 0 ? asked : ceiling;

    const req: PendingRequest = { clientId: client.clientId, redirectUri, codeChallenge: p.code_challenge, state: p.state, scopes, resource };
    if (client.preApproved) {
      await audit(`client:${client.clientId}`, "allow", "pre-approved by the operator", { redirectUri, scopes });
      return succeed(origin, req);
    }
    return render(c, client, req, 200);
  });

  app.post(OAUTH_PATHS.authorize, async (c) => {
    const origin = nodeOrigin(s.config, c.req.url);
    // A browser always names the page that posted; only our own consent page may.
    const from = c.req.header("origin");
    if (from !== undefined && from !== origin) return securePage(c, 403, errorPage("Forbidden", "This form can only be sent from the consent page."));
    const form = await c.req.parseBody();
    const field = (k: string) => (typeof form[k] === "string" ? (form[k] as string) : undefined);

    let req: PendingRequest;
    try {
      const { payload } = await jwtVerify(field("request") ?? "", await s.access.keys.consent(), { algorithms: ["HS256"], typ: CONSENT_TYP });
      req = pendingRequest.parse(payload);
    } catch {
      return securePage(c, 400, errorPage("This page has expired", "Start again from the application that sent you here."));
    }
    const client = await clientById(s.db, req.clientId);
    if (!client) return securePage(c, 400, errorPage("Unknown client", "The client is no longer registered."));
    const actor = `client:${client.clientId}`;

    if (field("decision") !== "approve") {
      await audit(actor, "deny", "the operator denied access", { redirectUri: req.redirectUri });
      return redirectTo(req.redirectUri, { error: "access_denied", error_description: "the operator denied access", state: req.state, iss: origin });
    }
    const address = c.var.clientAddress;
    const passphrase = field("passphrase") ?? "";
    // A locked source is refused before any comparison, so the lock also bounds guesses at the
    // admin token. The admin token passes the client and node-wide locks: it already opens the
    // admin API, and the operator must get through a flood from other sources.
    const lock = await throttle.lockFor(address, client.clientId);
    const locked = async (l: NonNullable<typeof lock>) => {
      await audit(actor, "deny", `consent locked (${l}) after repeated wrong passphrases`, { address });
      return securePage(c, 429, errorPage("Too many attempts", LOCK_TEXT[l]));
    };
    if (lock === "source") return locked(lock);
    if (!(await sameSecret(passphrase, s.config.adminToken))) {
      if (lock) return locked(lock);
      if (!(await sameSecret(passphrase, s.config.consentPassphrase))) {
        await throttle.failed(address, client.clientId);
        await audit(actor, "deny", "wrong passphrase", { address });
        return render(c, client, req, 401, "Wrong passphrase.");
      }
    }
    await throttle.succeeded(address);
    if (field("remember") === "yes") {
      await updateClient(s.db, client.clientId, { preApproved: true });
    }
    await audit(actor, "allow", "approved by the operator", { redirectUri: req.redirectUri, scopes: req.scopes, remember: field("remember") === "yes" });
    return succeed(origin, req);
  });

  return app;
}
