// The onion's symmetric work (§14.2): AES-256-CTR streams from a zero counter, and SHA-256 of the
// payload. WebCrypto by default. The protocol imports no runtime modules, so an entry point may
// pass its own (node:crypto on Node, src/runtimes/node-onion-cipher.ts): on Node, each WebCrypto
// call costs several times the work itself on a 16 KiB bucket, and a hop makes four. Any
// implementation gives the same bytes (test/protocol/onion-vectors.test.ts runs the vectors on each).

export interface OnionCipher {
  /** Names the implementation, e.g. for a benchmark's label. */
  impl: string;
  /** `data` XOR the AES-256-CTR keystream of `key` (32 bytes) from a zero counter: encrypts and decrypts alike. */
  xorStream(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  sha256(data: Uint8Array): Promise<Uint8Array>;
}

const ZERO_COUNTER = new Uint8Array(16);

export const webOnionCipher: OnionCipher = {
  impl: "WebCrypto",
  async xorStream(key, data) {
    const k = await crypto.subtle.importKey("raw", key as BufferSource, "AES-CTR", false, ["encrypt"]);
    return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CTR", counter: ZERO_COUNTER, length: 128 }, k, data as BufferSource));
  },
  async sha256(data) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource));
  },
};
