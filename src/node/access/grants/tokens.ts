// Grant tokens: a grant as a JWT signed by the node that gave it, naming who holds it, what it
// covers and until when. A node honours its own grants, and (once peers exist) a peer's grants
// for that peer's tools, through the key resolver federation supplies.
import { errors, jwtVerify, SignJWT, decodeJwt } from "jose";
import { z } from "zod";
import type { Principal } from "../principals/principal.ts";
import type { Keys } from "../credentials/keys.ts";

export interface GrantClaims {
  grantId: string;
  /** The node that gave the grant; it covers only that node's tools. */
  issuer: string;
  holder: string;
  agentId: string;
  resource: string;
  scope: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export class InvalidGrantError extends Error {
  override name = "InvalidGrantError";
}

const GRANT_TYP = "grant+jwt";

/** Who a grant belongs to: the caller, or for a relayed call the peer together with the caller it relays for. */
export function holderOf(p: Principal): string {
  return p.relayedFor ? `${p.id}/${p.relayedFor}` : p.id;
}

export async function signGrant(keys: Keys, c: GrantClaims): Promise<string> {
  const key = await keys.grants();
  return new SignJWT({ holder: c.holder, resource: c.resource, scope: c.scope })
    .setProtectedHeader({ alg: "EdDSA", typ: GRANT_TYP, kid: key.jwk.kid })
    .setJti(c.grantId)
    .setIssuer(c.issuer)
    .setSubject(c.agentId)
    .setIssuedAt()
    .setExpirationTime(c.expiresAt)
    .sign(key.privateKey);
}

const claimsSchema = z.object({
  jti: z.string().min(1),
  iss: z.string().min(1),
  sub: z.string().min(1),
  exp: z.number(),
  holder: z.string().min(1),
  resource: z.string().min(1),
  scope: z.string(),
});

/** Resolves the grant-signing key of another node; undefined for a node this one does not know. */
export type PeerGrantKeys = (nodeId: string) => Promise<CryptoKey | undefined>;

export class GrantVerifier {
  constructor(
    private readonly keys: Keys,
    private readonly nodeId: () => string,
    /** Set by federation; without it only this node's own grants verify. */
    private readonly peerKeys?: PeerGrantKeys,
  ) {}

  /** Checks signature, type and expiry. Whether the grant is revoked is the issuer's record to check. */
  async verify(token: string): Promise<GrantClaims> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw new InvalidGrantError("the grant token is malformed");
    }
    if (typeof issuer !== "string") throw new InvalidGrantError("the grant token names no issuer");
    const key = issuer === this.nodeId() ? (await this.keys.grants()).publicKey : await this.peerKeys?.(issuer);
    if (!key) throw new InvalidGrantError(`the grant was issued by ${issuer}, a node this one does not know`);
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: ["EdDSA"], typ: GRANT_TYP, issuer }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new InvalidGrantError("the grant has expired");
      throw new InvalidGrantError("the grant token's signature or claims are invalid");
    }
    const c = claimsSchema.safeParse(payload);
    if (!c.success) throw new InvalidGrantError("the grant token's claims are incomplete");
    return {
      grantId: c.data.jti,
      issuer: c.data.iss,
      holder: c.data.holder,
      agentId: c.data.sub,
      resource: c.data.resource,
      scope: c.data.scope,
      expiresAt: c.data.exp,
    };
  }
}
