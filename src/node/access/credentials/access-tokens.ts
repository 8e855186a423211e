// OAuth access tokens: short-lived JWTs (RFC 9068 profile) signed by the node with Ed25519, bound
// to one resource (the audience) and to the session that issued them, so revoking the session
// ends them too (checked per request in src/http/oauth/bearer.ts).
import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { Keys } from "./keys.ts";
import { randomSecret } from "../../../secrets/token-secrets.ts";
import { parseScopes, type Scope } from "../principals/scopes.ts";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

export interface AccessClaims {
  clientId: string;
  sessionId: string;
  scopes: Scope[];
  issuer: string;
  audience: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

export async function issueAccessToken(
  keys: Keys,
  t: { issuer: string; audience: string; clientId: string; sessionId: string; scopes: readonly Scope[]; ttlSeconds?: number },
): Promise<{ token: string; expiresIn: number }> {
  const key = await keys.accessTokens();
  const expiresIn = t.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS;
  const token = await new SignJWT({ client_id: t.clientId, scope: t.scopes.join(" "), sid: t.sessionId })
    .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: key.jwk.kid })
    .setIssuer(t.issuer)
    .setAudience(t.audience)
    .setSubject(t.clientId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
    .setJti(randomSecret(12))
    .sign(key.privateKey);
  return { token, expiresIn };
}

const claimsSchema = z.object({
  iss: z.string(),
  aud: z.string(),
  exp: z.number(),
  client_id: z.string().min(1),
  sid: z.string().min(1),
  scope: z.string(),
});

/** Why a JWT was refused, in words that are safe to send back (never the token). */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "the token has expired";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "aud") return "the token was issued for another resource";
    if (err.claim === "iss") return "the token was issued by another authorization server";
    return `the token's ${err.claim} claim is invalid`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return "the token's signature is invalid";
  return "the token is malformed";
}

const CACHE_LIMIT = 5000;

/**
 * Verifies access tokens. A token whose signature was checked once is remembered until it
 * expires, so steady-state requests skip the Ed25519 verification; issuer, audience and expiry
 * are checked on every call.
 */
export class AccessTokenVerifier {
  readonly #verified = new Map<string, AccessClaims>();

  constructor(private readonly keys: Keys) {}

  async verify(token: string, expect: { issuer: string; audience: string }): Promise<AccessClaims> {
    const now = Date.now() / 1000;
    const known = this.#verified.get(token);
    if (known) {
      if (known.expiresAt <= now) {
        this.#verified.delete(token);
        throw new InvalidTokenError("the token has expired");
      }
      if (known.audience !== expect.audience) throw new InvalidTokenError("the token was issued for another resource");
      if (known.issuer !== expect.issuer) throw new InvalidTokenError("the token was issued by another authorization server");
      return known;
    }
    const claims = await this.verifySignature(token, expect);
    if (this.#verified.size >= CACHE_LIMIT) this.#evict(now);
    this.#verified.set(token, claims);
    return claims;
  }

  /** Checks signature and claims; with `ignoreExpiry` for revocation, where an expired token still names its session. */
  async verifySignature(token: string, expect: { issuer: string; audience?: string }, ignoreExpiry = false): Promise<AccessClaims> {
    const key = await this.keys.accessTokens();
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key.publicKey, {
        algorithms: ["EdDSA"],
        typ: "at+jwt",
        issuer: expect.issuer,
        ...(expect.audience ? { audience: expect.audience } : {}),
        requiredClaims: ["exp", "aud", "iss"],
        ...(ignoreExpiry ? { currentDate: new Date(0) } : {}),
      }));
    } catch (err) {
      throw new InvalidTokenError(reasonOf(err));
    }
    const c = claimsSchema.safeParse(payload);
    const scopes = c.success ? parseScopes(c.data.scope) : undefined;
    if (!c.success || !scopes) throw new InvalidTokenError("the token's claims are not those of an access token");
    return { clientId: c.data.client_id, sessionId: c.data.sid, scopes, issuer: c.data.iss, audience: c.data.aud, expiresAt: c.data.exp };
  }

  /** Drops expired entries, then the oldest half if that was not enough. */
  #evict(now: number): void {
    for (const [t, c] of this.#verified) if (c.expiresAt <= now) this.#verified.delete(t);
    if (this.#verified.size < CACHE_LIMIT) return;
    let drop = Math.floor(CACHE_LIMIT / 2);
    for (const t of this.#verified.keys()) {
      if (drop-- <= 0) break;
      this.#verified.delete(t);
    }
  }
}
