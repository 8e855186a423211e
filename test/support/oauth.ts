// OAuth as a client does it: the SDK's own OAuthClientProvider, kept in memory, and the consent
// step a person does in the browser, done by fetching the consent page and posting its form.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { createHash, randomBytes } from "node:crypto";
import type { Fetch } from "./source-address.ts";

export const PASSPHRASE = "consent-passphrase-for-tests";
/** Claude Code listens on a loopback port of its own choosing. */
export const LOOPBACK_REDIRECT = "http://127.0.0.1:33418/callback";

export class MemoryOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  authorizationUrl: URL | undefined;

  constructor(
    readonly redirectUrl: string = LOOPBACK_REDIRECT,
    private readonly meta: Partial<OAuthClientMetadata> = {},
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "mcpfed test client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      ...this.meta,
    };
  }
  state() {
    return "state-123";
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** The signed request hidden in the consent form. */
export function consentRequest(html: string): string {
  const m = /name="request" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no consent form in:\n${html.slice(0, 500)}`);
  return m[1]!;
}

/** What the operator does: opens the consent page and approves (or not) with the passphrase. */
export async function consent(
  authorizationUrl: URL | string,
  opts: { passphrase?: string; decision?: "approve" | "deny"; remember?: boolean; origin?: string; fetch?: Fetch } = {},
): Promise<Response> {
  const fetch = opts.fetch ?? globalThis.fetch;
  const page = await fetch(authorizationUrl, { redirect: "manual" });
  if (page.status !== 200) return page;
  const form = new URLSearchParams({
    request: consentRequest(await page.text()),
    passphrase: opts.passphrase ?? PASSPHRASE,
    decision: opts.decision ?? "approve",
    ...(opts.remember ? { remember: "yes" } : {}),
  });
  return fetch(authorizationUrl, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(opts.origin ? { origin: opts.origin } : {}) },
    body: form,
  });
}

/** The parameters of the redirect a consent answered with. */
export function redirectParams(res: Response): URLSearchParams {
  const location = res.headers.get("location");
  if (res.status !== 302 || !location) throw new Error(`expected a redirect, got ${res.status}`);
  return new URL(location).searchParams;
}

/** The whole flow through the SDK: 401, discovery, registration, consent, token; then connected. */
export async function connectWithOAuth(mcpUrl: string, provider = new MemoryOAuthProvider()): Promise<{ client: Client; provider: MemoryOAuthProvider }> {
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const probe = new Client({ name: "mcpfed-test", version: "0.0.0" });
  await probe.connect(first).then(
    () => {
      throw new Error("connected without authorization");
    },
    (err: unknown) => {
      if (!(err instanceof UnauthorizedError)) throw err;
    },
  );
  const approved = await consent(provider.authorizationUrl!);
  const code = redirectParams(approved).get("code");
  if (!code) throw new Error(`consent gave no code: ${approved.headers.get("location")}`);
  await first.finishAuth(code);
  const client = new Client({ name: "mcpfed-test", version: "0.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  return { client, provider };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Registers a client by hand (RFC 7591). */
export async function register(baseUrl: string, meta: Record<string, unknown>): Promise<Response> {
  return fetch(`${baseUrl}/oauth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(meta) });
}

export function authorizeUrl(baseUrl: string, params: Record<string, string | undefined>): string {
  const url = new URL(`${baseUrl}/oauth/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

export function tokenRequest(baseUrl: string, params: Record<string, string | undefined>): Promise<Response> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) body.set(k, v);
  return fetch(`${baseUrl}/oauth/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
}

/** A public client registered by hand, and one code for it, through consent. */
export async function codeFor(
  baseUrl: string,
  opts: { redirectUri?: string; scope?: string; passphrase?: string } = {},
): Promise<{ clientId: string; redirectUri: string; code: string; verifier: string }> {
  const redirectUri = opts.redirectUri ?? LOOPBACK_REDIRECT;
  const reg = await register(baseUrl, { client_name: "by hand", redirect_uris: [redirectUri], token_endpoint_auth_method: "none" });
  const { client_id: clientId } = (await reg.json()) as { client_id: string };
  const { verifier, challenge } = pkce();
  const url = authorizeUrl(baseUrl, {
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "s",
    scope: opts.scope,
    resource: `${baseUrl}/mcp`,
  });
  const code = redirectParams(await consent(url, { passphrase: opts.passphrase })).get("code")!;
  return { clientId, redirectUri, code, verifier };
}

/** An access token for `baseUrl`/mcp, through registration, consent and the token endpoint. */
export async function accessTokenFor(baseUrl: string, passphrase?: string): Promise<string> {
  const c = await codeFor(baseUrl, { passphrase });
  const res = await tokenRequest(baseUrl, { grant_type: "authorization_code", code: c.code, code_verifier: c.verifier, redirect_uri: c.redirectUri, client_id: c.clientId });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
