// Raw RSA (RFC 8017 §5.2: RSASP1 and RSAVP1, no padding) from a vetted library, for the issuer's
// blind signature (RFC 9474 §4.3). The protocol imports no runtime modules: an entry point that
// has it (node:crypto's privateDecrypt and publicEncrypt with RSA_NO_PADDING, on OpenSSL or
// BoringSSL) passes it in; without it, issuance.ts signs with blindrsa-ts.

/** Raw RSA operations under one issuer key pair. */
export interface RawRsaKey {
  /** m^d mod n, `m` and the result both modulus-length bytes; throws if m is not below n. */
  rsasp1(m: Uint8Array): Uint8Array;
  /** s^e mod n, as modulus-length bytes. */
  rsavp1(s: Uint8Array): Uint8Array;
}

export interface RawRsa {
  /** Names the implementation, e.g. for a benchmark's label. */
  impl: string;
  /** The key pair: PKCS#8 private key, SubjectPublicKeyInfo (rsaEncryption) public key. */
  key(privateKeyPkcs8: Uint8Array, publicKeySpki: Uint8Array): RawRsaKey;
}
