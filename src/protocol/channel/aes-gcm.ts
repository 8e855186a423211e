// AES-256-GCM as channel frames use it (frame.ts): a key from 32 raw bytes, a 12-byte nonce,
// ciphertext || 16-byte tag. WebCrypto's by default; a runtime may pass its own that computes
// the same bytes on the calling thread (Node: src/runtimes/node-aes-gcm.ts), since WebCrypto
// hands every operation to a thread pool and a channel call makes three of them on each side.

/** A key in whatever form the implementation computes with. */
export type AesKey = object;

export interface Aes256Gcm {
  readonly impl: string;
  importKey(raw: Uint8Array): Promise<AesKey>;
  seal(key: AesKey, nonce: Uint8Array, plaintext: Uint8Array, additionalData?: Uint8Array): Promise<Uint8Array>;
  /** Throws when the tag does not verify. */
  open(key: AesKey, nonce: Uint8Array, sealed: Uint8Array, additionalData?: Uint8Array): Promise<Uint8Array>;
}

const params = (nonce: Uint8Array, additionalData: Uint8Array | undefined): AesGcmParams => ({
  name: "AES-GCM",
  iv: nonce as BufferSource,
  ...(additionalData ? { additionalData: additionalData as BufferSource } : {}),
});

export const webCryptoAesGcm: Aes256Gcm = {
  impl: "native",
  importKey: (raw) => crypto.subtle.importKey("raw", raw as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]),
  async seal(key, nonce, plaintext, additionalData) {
    return new Uint8Array(await crypto.subtle.encrypt(params(nonce, additionalData), key as CryptoKey, plaintext as BufferSource));
  },
  async open(key, nonce, sealed, additionalData) {
    return new Uint8Array(await crypto.subtle.decrypt(params(nonce, additionalData), key as CryptoKey, sealed as BufferSource));
  },
};
