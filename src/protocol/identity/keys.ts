// A node's signing identity, derived from NODE_SEED, and the names the protocol gives keys:
// key ids (thumbprints) and the node id (the thumbprint of the node's first signing key).
import { concat, toBase32, utf8 } from "../encoding/bytes.ts";
import { COMPOSITE_ALG, compositeSigner, type CompositeSigner } from "./composite.ts";
import type { Primitives } from "./primitives.ts";
import { deriveBytes } from "./seed.ts";

/** HKDF labels (info) under NODE_SEED; each secret has its own. */
export const LABELS = {
  mlDsa65: "mcpfed/1 sign ml-dsa-65",
  ed25519: "mcpfed/1 sign ed25519",
  storage: "mcpfed/1 storage",
} as const;

/** SHA-256(alg || 0x00 || public key): names a key together with its algorithm. */
export async function thumbprint(alg: string, publicKey: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(utf8(alg), Uint8Array.of(0), publicKey) as BufferSource));
}

/** 16 characters: base32 of the first 10 bytes of the thumbprint. */
export async function keyId(alg: string, publicKey: Uint8Array): Promise<string> {
  return toBase32((await thumbprint(alg, publicKey)).subarray(0, 10));
}

/** 32 characters: base32 of the first 20 bytes of the composite signing key's thumbprint. */
export async function nodeIdOf(signingPublicKey: Uint8Array): Promise<string> {
  return toBase32((await thumbprint(COMPOSITE_ALG, signingPublicKey)).subarray(0, 20));
}

export const NODE_ID = /^[a-z2-7]{32}$/;
export const KEY_ID = /^[a-z2-7]{16}$/;

export interface SigningKey {
  signer: CompositeSigner;
  keyId: string;
  /** The id this key gives a node when it is the node's first key. */
  nodeId: string;
}

export async function signingKeyFromSeed(p: Primitives, seed: Uint8Array): Promise<SigningKey> {
  const [mlDsaSeed, edSeed] = await Promise.all([deriveBytes(seed, LABELS.mlDsa65), deriveBytes(seed, LABELS.ed25519)]);
  const signer = await compositeSigner(p, mlDsaSeed, edSeed);
  const [kid, nodeId] = await Promise.all([keyId(COMPOSITE_ALG, signer.publicKey), nodeIdOf(signer.publicKey)]);
  return { signer, keyId: kid, nodeId };
}
