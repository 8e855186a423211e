// The contracts of the public-key primitives (src/protocol/identity/primitives.ts chooses an
// implementation): native.ts and noble.ts implement them without importing the chooser.

/** A key in whatever form the implementation computes with (CryptoKey, expanded bytes). */
export type KeyHandle = object;

export type Impl = "native" | "noble";

export interface SignatureAlgorithm {
  readonly impl: Impl;
  /** Key pair from a 32-byte seed (ML-DSA's ξ, Ed25519's private key); expanded once, here. */
  fromSeed(seed: Uint8Array): Promise<{ publicKey: Uint8Array; privateKey: KeyHandle }>;
  /** Throws on a malformed key. */
  importPublic(publicKey: Uint8Array): Promise<KeyHandle>;
  /** `context` is FIPS 204's context string; Ed25519 takes none. */
  sign(privateKey: KeyHandle, message: Uint8Array, context?: Uint8Array): Promise<Uint8Array>;
  verify(publicKey: KeyHandle, signature: Uint8Array, message: Uint8Array, context?: Uint8Array): Promise<boolean>;
}

export interface MlKem768 {
  readonly impl: Impl;
  /** Key pair from the 64-byte seed d || z (FIPS 203). */
  fromSeed(seed: Uint8Array): Promise<{ publicKey: Uint8Array; privateKey: KeyHandle }>;
  importPublic(publicKey: Uint8Array): Promise<KeyHandle>;
  /** `randomness` (32 bytes) only for test vectors; WebCrypto cannot take it. */
  encapsulate(publicKey: KeyHandle, randomness?: Uint8Array): Promise<{ ciphertext: Uint8Array; sharedSecret: Uint8Array }>;
  decapsulate(privateKey: KeyHandle, ciphertext: Uint8Array): Promise<Uint8Array>;
}

export interface X25519 {
  readonly impl: Impl;
  fromSecret(secret: Uint8Array): Promise<{ publicKey: Uint8Array; privateKey: KeyHandle }>;
  /** A fresh key pair. */
  generate(): Promise<{ publicKey: Uint8Array; privateKey: KeyHandle }>;
  importPublic(publicKey: Uint8Array): Promise<KeyHandle>;
  sharedSecret(privateKey: KeyHandle, publicKey: KeyHandle): Promise<Uint8Array>;
}

export interface Primitives {
  mlDsa65: SignatureAlgorithm;
  ed25519: SignatureAlgorithm;
  mlKem768: MlKem768;
  x25519: X25519;
  sha3_256(data: Uint8Array): Promise<Uint8Array>;
}
