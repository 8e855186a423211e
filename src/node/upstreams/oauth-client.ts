// The node as an OAuth client of a per-principal upstream's own authorization server, one client
// per (upstream, principal): the SDK's auth() does discovery, dynamic registration, PKCE, the code
// exchange and refresh; this provider keeps what it hands over sealed in that principal's row.
import { auth, type OAuthClientInformationMixed, type OAuthClientMetadata, type OAuthClientProvider, type OAuthTokens } from "@modelcontextprotocol/client";
import type { Outbound } from "../outbound/outbound.ts";
import type { Config } from "../settings/config.ts";
import { CONNECT_PATH, connectState, type ConnectLinkKey } from "./connect-link.ts";
import type { UpstreamCredentials } from "./credentials.ts";

/** What is sealed for one principal of an OAuth-mode upstream. */
export interface OAuthCredential {
  client?: OAuthClientInformationMixed | undefined;
  verifier?: string | undefined;
  tokens?: OAuthTokens | undefined;
  /** When the tokens were issued (ms), to refresh before expires_in runs out. */
  obtainedAt?: number | undefined;
  /** The authorization under way: its state names it, so an older or foreign state is refused. */
  flow?: string | undefined;
}

/** Refresh this long before the access token expires, so that no call starts with a dying token. */
const REFRESH_MARGIN_MS = 30_000;

/** What the node needs to act as an OAuth client for a principal. */
export interface OAuthClientPorts extends ConnectLinkKey {
  config: Pick<Config, "nodeName">;
  outbound: Pick<Outbound, "sessionFetch">;
  upstreamCredentials: Pick<UpstreamCredentials, "get" | "put">;
}

export class OAuthConnectError extends Error {
  override name = "OAuthConnectError";
}

export function callbackUrl(origin: string, upstream: string): string {
  return `${origin}${CONNECT_PATH}/${encodeURIComponent(upstream)}/callback`;
}

class SealedProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;

  constructor(
    private readonly s: OAuthClientPorts,
    private readonly upstream: string,
    private readonly principal: string,
    readonly redirectUrl: string,
    readonly cred: OAuthCredential,
    private readonly stateToken = "",
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: `${this.s.config.nodeName} (mcpfed) for ${this.principal}`,
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  state() {
    return this.stateToken;
  }
  clientInformation() {
    return this.cred.client;
  }
  async saveClientInformation(info: OAuthClientInformationMixed) {
    this.cred.client = info;
    await this.#save();
  }
  tokens() {
    return this.cred.tokens;
  }
  async saveTokens(tokens: OAuthTokens) {
    this.cred.tokens = tokens;
    this.cred.obtainedAt = Date.now();
    await this.#save();
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  async saveCodeVerifier(verifier: string) {
    this.cred.verifier = verifier;
    await this.#save();
  }
  codeVerifier() {
    if (!this.cred.verifier) throw new OAuthConnectError("no authorization is under way");
    return this.cred.verifier;
  }
  async invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery") {
    if (scope === "all" || scope === "client") this.cred.client = undefined;
    if (scope === "all" || scope === "tokens") this.cred.tokens = undefined;
    if (scope === "all" || scope === "verifier") this.cred.verifier = undefined;
    await this.#save();
  }

  #save() {
    return this.s.upstreamCredentials.put(this.upstream, this.principal, "oauth", this.cred);
  }
}

/** The SDK's requests to the upstream's authorization server: through the outbound path, answers capped. */
const AUTHORIZATION_CAPS = { bodyBytes: 256 * 1024, eventBytes: 256 * 1024 };
const guardedFetch = (s: OAuthClientPorts): typeof fetch => s.outbound.sessionFetch(AUTHORIZATION_CAPS);

async function stored(s: OAuthClientPorts, upstream: string, principal: string): Promise<OAuthCredential> {
  const held = await s.upstreamCredentials.get<OAuthCredential>(upstream, principal);
  return held?.kind === "oauth" ? held.value : {};
}

/**
 * Starts the principal's authorization at the upstream's server: the URL to send its browser to,
 * or undefined when a stored refresh token was enough.
 */
export async function beginAuthorization(s: OAuthClientPorts, origin: string, upstream: { name: string; url: string }, principal: string): Promise<URL | undefined> {
  const cred = await stored(s, upstream.name, principal);
  cred.flow = crypto.randomUUID();
  const state = await connectState(s, upstream.name, principal, cred.flow);
  const provider = new SealedProvider(s, upstream.name, principal, callbackUrl(origin, upstream.name), cred, state);
  await s.upstreamCredentials.put(upstream.name, principal, "oauth", cred);
  const result = await auth(provider, { serverUrl: upstream.url, fetchFn: guardedFetch(s) });
  return result === "REDIRECT" ? provider.authorizationUrl : undefined;
}

/** Exchanges the code the upstream's server sent back, for the authorization `flow` started. */
export async function finishAuthorization(
  s: OAuthClientPorts,
  origin: string,
  upstream: { name: string; url: string },
  principal: string,
  flow: string,
  code: string,
  /** The issuer the authorization server named in its answer (RFC 9207), checked against the one discovered. */
  iss?: string,
): Promise<void> {
  const cred = await stored(s, upstream.name, principal);
  if (!cred.flow || cred.flow !== flow) throw new OAuthConnectError("this authorization is not the one under way; start again");
  const provider = new SealedProvider(s, upstream.name, principal, callbackUrl(origin, upstream.name), cred);
  await auth(provider, { serverUrl: upstream.url, authorizationCode: code, ...(iss === undefined ? {} : { iss }), fetchFn: guardedFetch(s) });
  cred.flow = undefined;
  cred.verifier = undefined;
  await s.upstreamCredentials.put(upstream.name, principal, "oauth", cred);
}

const refreshing = new Map<string, Promise<string | undefined>>();

/**
 * The principal's access token for the upstream, refreshed when it is about to expire; undefined
 * when the principal must authorize (again). One refresh at a time per principal and upstream, so
 * that concurrent calls do not spend one rotating refresh token twice.
 */
export async function accessToken(s: OAuthClientPorts, origin: string, upstream: { name: string; url: string }, principal: string, cred: OAuthCredential): Promise<string | undefined> {
  const t = cred.tokens;
  if (!t) return undefined;
  const expiresAt = t.expires_in === undefined ? Infinity : (cred.obtainedAt ?? 0) + t.expires_in * 1000;
  if (Date.now() < expiresAt - REFRESH_MARGIN_MS) return t.access_token;
  if (!t.refresh_token) return undefined;
  const key = `${upstream.name}\u0000${principal}`;
  let p = refreshing.get(key);
  if (!p) {
    p = (async () => {
      const provider = new SealedProvider(s, upstream.name, principal, callbackUrl(origin, upstream.name), cred);
      const result = await auth(provider, { serverUrl: upstream.url, fetchFn: guardedFetch(s) }).catch(() => "FAILED" as const);
      return result === "AUTHORIZED" ? provider.cred.tokens?.access_token : undefined;
    })().finally(() => refreshing.delete(key));
    refreshing.set(key, p);
  }
  return p;
}
