// The node's keys for authorization, each derived from NODE_SEED under its own label, so that a
// restart (or another isolate) signs and verifies with the same keys and nothing is stored.
import { calculateJwkThumbprint, type JWK } from "jose";
import { deriveBytes } from "../../../protocol/identity/seed.ts";

export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public key as published in a JWKS, with its thumbprint as kid. */
  jwk: JWK & { kid: string };
}

export const KEY_LABELS = {
  accessTokens: "mcpfed/auth/access-token-signing",
  grants: "mcpfed/auth/grant-signing",
  consent: "mcpfed/auth/consent-request",
  audit: "mcpfed/audit/chain",
  connectLinks: "mcpfed/upstreams/connect-link",
  consoleSessions: "mcpfed/console/session",
} as const;

// An Ed25519 private key is its 32-byte seed; PKCS#8 wraps it in this fixed DER prefix.
const ED25519_PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

export async function ed25519FromSeed(seed: Uint8Array, label: string): Promise<SigningKey> {
  const bytes = await deriveBytes(seed, label, 32);
  const pkcs8 = new Uint8Array([...ED25519_PKCS8_PREFIX, ...bytes]);
  // Extractable once, to read the public half; the kept private key is not.
  const extractable = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
  const { x } = (await crypto.subtle.exportKey("jwk", extractable)) as { x: string };
  const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  const publicJwk: JWK = { kty: "OKP", crv: "Ed25519", x };
  const publicKey = await crypto.subtle.importKey("jwk", publicJwk, { name: "Ed25519" }, true, ["verify"]);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, publicKey, jwk: { ...publicJwk, kid, alg: "EdDSA", use: "sig" } };
}

async function hmacKey(seed: Uint8Array, label: string): Promise<CryptoKey> {
  const bytes = await deriveBytes(seed, label, 32);
  return crypto.subtle.importKey("raw", bytes as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** Derived on first use and kept for the life of the process or isolate. */
export class Keys {
  #access?: Promise<SigningKey>;
  #grants?: Promise<SigningKey>;
  #consent?: Promise<CryptoKey>;
  #audit?: Promise<Uint8Array>;
  #connectLinks?: Promise<CryptoKey>;
  #consoleSessions?: Promise<CryptoKey>;

  constructor(private readonly seed: Uint8Array) {}

  /** Signs OAuth access tokens; published at the JWKS endpoint. */
  accessTokens(): Promise<SigningKey> {
    return (this.#access ??= ed25519FromSeed(this.seed, KEY_LABELS.accessTokens));
  }

  /** Signs permission grants. */
  grants(): Promise<SigningKey> {
    return (this.#grants ??= ed25519FromSeed(this.seed, KEY_LABELS.grants));
  }

  /** Signs the authorization request carried through the consent form. */
  consent(): Promise<CryptoKey> {
    return (this.#consent ??= hmacKey(this.seed, KEY_LABELS.consent));
  }

  /** Signs the links that send a principal to connect its own credential for an upstream. */
  connectLinks(): Promise<CryptoKey> {
    return (this.#connectLinks ??= hmacKey(this.seed, KEY_LABELS.connectLinks));
  }

  /** Signs the operator's console session cookies and their CSRF tokens. */
  consoleSessions(): Promise<CryptoKey> {
    return (this.#consoleSessions ??= hmacKey(this.seed, KEY_LABELS.consoleSessions));
  }

  /** Chains the audit trail: raw bytes, for a synchronous HMAC on every row. */
  audit(): Promise<Uint8Array> {
    return (this.#audit ??= deriveBytes(this.seed, KEY_LABELS.audit, 32));
  }
}
