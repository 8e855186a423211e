// OAuth clients: registered dynamically (RFC 7591), or identified by the URL of their client ID
// metadata document, which the node fetches (through the outbound guard) and caches.
import { z } from "zod";
import { isLoopbackHost } from "../../settings/config.ts";
import type { Outbound } from "../../outbound/outbound.ts";
import { log } from "../../logging/log.ts";
import type { Database } from "../../../store/database.ts";
import { clientById, insertClient, saveMetadataDocumentClient, type AuthMethod, type ClientRow } from "../../../store/access/oauth-clients.ts";
import { hashSecret, randomSecret, sameSecret } from "../../../secrets/token-secrets.ts";
import { parseScopes } from "../principals/scopes.ts";
import { OAuthError } from "./errors.ts";

export { clientById, deleteClient, listClients, updateClient } from "../../../store/access/oauth-clients.ts";
export type { ClientRow };

/** Why a redirect URI cannot be registered, or undefined. https anywhere; http only on loopback (RFC 8252). */
export function redirectUriProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a valid URL";
  }
  if (url.hash) return "must not have a fragment";
  if (url.username || url.password) return "must not carry credentials";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return undefined;
  return "must be https, or http on a loopback address";
}

/** Exact match, except that a loopback redirect may use any port (RFC 8252, section 7.3). */
export function redirectUriMatches(registered: string, given: string): boolean {
  if (registered === given) return true;
  let r: URL, g: URL;
  try {
    r = new URL(registered);
    g = new URL(given);
  } catch {
    return false;
  }
  return (
    r.protocol === "http:" &&
    g.protocol === "http:" &&
    isLoopbackHost(r.hostname) &&
    r.hostname === g.hostname &&
    r.pathname === g.pathname &&
    r.search === g.search &&
    !g.hash
  );
}

const optionalUrl = z.url({ protocol: /^https?$/ }).max(2000).optional();

/** The metadata a client sends to register; unknown fields are ignored, as RFC 7591 asks. */
export const registrationSchema = z.object({
  redirect_uris: z.array(z.string().max(2000)).min(1).max(10),
  client_name: z.string().trim().min(1).max(200).optional(),
  client_uri: optionalUrl,
  logo_uri: optionalUrl,
  tos_uri: optionalUrl,
  policy_uri: optionalUrl,
  scope: z.string().max(1000).optional(),
  grant_types: z.array(z.string()).max(10).optional(),
  response_types: z.array(z.string()).max(10).optional(),
  token_endpoint_auth_method: z.string().optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(100).optional(),
});
export type Registration = z.infer<typeof registrationSchema>;

const AUTH_METHODS = ["none", "client_secret_post", "client_secret_basic"] as const;
const GRANT_TYPES = new Set(["authorization_code", "refresh_token"]);

/** Checks what is asked beyond the shape: redirect URIs, grant and response types, scope, auth method. */
function vetRegistration(r: Registration, { metadataDocument }: { metadataDocument: boolean }): AuthMethod {
  for (const uri of r.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new OAuthError("invalid_redirect_uri", `redirect URI ${JSON.stringify(uri.slice(0, 200))}: ${problem}`);
  }
  if (r.grant_types?.some((g) => !GRANT_TYPES.has(g))) {
    throw new OAuthError("invalid_client_metadata", "only the authorization_code and refresh_token grant types are supported");
  }
  if (r.response_types?.some((t) => t !== "code")) {
    throw new OAuthError("invalid_client_metadata", "only the code response type is supported");
  }
  if (r.scope !== undefined && !parseScopes(r.scope)) throw new OAuthError("invalid_client_metadata", "scope names an unknown scope");
  // RFC 7591's default is client_secret_basic; a metadata document cannot hold a secret.
  const method = r.token_endpoint_auth_method ?? (metadataDocument ? "none" : "client_secret_basic");
  if (!(AUTH_METHODS as readonly string[]).includes(method) || (metadataDocument && method !== "none")) {
    throw new OAuthError("invalid_client_metadata", `token_endpoint_auth_method ${method} is not supported`);
  }
  return method as AuthMethod;
}

function publicMetadata(r: Registration): Record<string, unknown> {
  const { redirect_uris: _r, token_endpoint_auth_method: _m, ...rest } = r;
  return rest;
}

/** Registers a client; the secret (for confidential clients) is returned once and kept as a hash. */
export async function registerClient(db: Database, r: Registration): Promise<{ row: ClientRow; secret: string | undefined }> {
  const authMethod = vetRegistration(r, { metadataDocument: false });
  const secret = authMethod === "none" ? undefined : randomSecret(32);
  const row = await insertClient(db, {
    clientId: `mcpfed-${randomSecret(16)}`,
    kind: "registered",
    name: r.client_name ?? "unnamed client",
    redirectUris: r.redirect_uris,
    metadata: publicMetadata(r),
    authMethod,
    secretHash: secret ? await hashSecret(secret) : null,
    createdAt: Date.now(),
  });
  return { row, secret };
}

/** How a registered client is described back to it (RFC 7591 section 3.2.1). */
export function registrationResponse(row: ClientRow, secret: string | undefined) {
  return {
    client_id: row.clientId,
    client_id_issued_at: Math.floor(row.createdAt / 1000),
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    redirect_uris: row.redirectUris,
    token_endpoint_auth_method: row.authMethod,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    client_name: row.name,
    ...row.metadata,
  };
}

/** A client_id that is the URL of a metadata document: https with a path, or loopback http in development. */
export function isMetadataDocumentId(clientId: string, allowPrivate: boolean): boolean {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return false;
  }
  if (url.pathname === "/" || url.hash || url.username || url.password) return false;
  return url.protocol === "https:" || (allowPrivate && url.protocol === "http:" && isLoopbackHost(url.hostname));
}

const DOCUMENT_MAX_BYTES = 64 * 1024;
const DOCUMENT_TTL_MS = 60 * 60 * 1000;
const FETCH_TIMEOUT_MS = 5000;

const documentSchema = registrationSchema.extend({ client_id: z.string() });

/**
 * Anyone may name any URL as a client_id, so how its fetch failed (refused, unreachable, an HTTP
 * status, too large, not metadata) is logged for the operator and never told: the answer would
 * map the node's network.
 */
async function fetchMetadataDocument(url: string, outbound: Outbound): Promise<z.infer<typeof documentSchema>> {
  let doc;
  try {
    doc = documentSchema.parse(await outbound.getJson(url, { maxBytes: DOCUMENT_MAX_BYTES, timeoutMs: FETCH_TIMEOUT_MS }));
  } catch (err) {
    log.warn("oauth.metadata_document.unusable", { url, error: err instanceof z.ZodError ? "not valid client metadata" : err instanceof Error ? err.message : String(err) });
    throw new OAuthError("invalid_client", "cannot use the client metadata document: it could not be fetched, or is not client metadata");
  }
  if (doc.client_id !== url) throw new OAuthError("invalid_client", "cannot use the client metadata document: its client_id is not its own URL");
  return doc;
}

/**
 * The client a client_id names: a registered one, or a metadata document fetched now (or from a
 * cache younger than an hour). Throws invalid_client when there is none.
 */
export async function findClient(db: Database, clientId: string, outbound: Outbound): Promise<ClientRow> {
  const row = await clientById(db, clientId);
  if (!isMetadataDocumentId(clientId, outbound.allowPrivate)) {
    if (!row || row.kind !== "registered") throw new OAuthError("invalid_client", "unknown client_id", 401);
    return row;
  }
  if (row && row.fetchedAt && Date.now() - row.fetchedAt < DOCUMENT_TTL_MS) return row;
  const doc = await fetchMetadataDocument(clientId, outbound);
  vetRegistration(doc, { metadataDocument: true });
  const values = {
    name: doc.client_name ?? new URL(clientId).host,
    redirectUris: doc.redirect_uris,
    metadata: publicMetadata(doc),
    fetchedAt: Date.now(),
  };
  return saveMetadataDocumentClient(db, clientId, values);
}

export interface ClientCredentials {
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** The credentials came in an Authorization: Basic header. */
  basic: boolean;
}

/** Reads client credentials from a Basic header or the form body (RFC 6749 section 2.3.1). */
export function readClientCredentials(authorization: string | undefined, form: URLSearchParams): ClientCredentials {
  if (authorization?.toLowerCase().startsWith("basic ")) {
    let decoded: string;
    try {
      decoded = atob(authorization.slice(6).trim());
    } catch {
      throw new OAuthError("invalid_client", "malformed Basic credentials", 401);
    }
    const at = decoded.indexOf(":");
    if (at < 0) throw new OAuthError("invalid_client", "malformed Basic credentials", 401);
    return {
      clientId: decodeURIComponent(decoded.slice(0, at)),
      clientSecret: decodeURIComponent(decoded.slice(at + 1)),
      basic: true,
    };
  }
  return { clientId: form.get("client_id") ?? undefined, clientSecret: form.get("client_secret") ?? undefined, basic: false };
}

/** The client making a token or revocation request, with its credentials checked. */
export async function authenticateClient(db: Database, creds: ClientCredentials, outbound: Outbound): Promise<ClientRow> {
  if (!creds.clientId) throw new OAuthError("invalid_client", "client_id is required", 401);
  const client = await findClient(db, creds.clientId, outbound);
  if (client.authMethod === "none") {
    if (creds.clientSecret) throw new OAuthError("invalid_client", "this client is public and has no secret", 401);
    return client;
  }
  // Either way of sending the secret is accepted, whichever was registered.
  if (!creds.clientSecret || !client.secretHash) {
    throw new OAuthError("invalid_client", `this client authenticates with ${client.authMethod}`, 401);
  }
  if (!(await sameSecret(await hashSecret(creds.clientSecret), client.secretHash))) {
    throw new OAuthError("invalid_client", "client authentication failed", 401);
  }
  return client;
}

export function clientView(r: ClientRow) {
  return {
    clientId: r.clientId,
    kind: r.kind,
    name: r.name,
    redirectUris: r.redirectUris,
    authMethod: r.authMethod,
    roles: r.roles,
    preApproved: r.preApproved,
    createdAt: new Date(r.createdAt).toISOString(),
  };
}
