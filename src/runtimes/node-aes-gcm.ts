// AES-256-GCM for channel frames (src/protocol/channel/aes-gcm.ts) from node:crypto, on the
// calling thread: WebCrypto's is the same OpenSSL code behind a thread-pool job and a promise,
// which cost more than the cipher on a frame of a few kilobytes. Same bytes; a tag that does not
// verify throws, as WebCrypto's decrypt does.
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from "node:crypto";
import type { Aes256Gcm } from "../protocol/channel/aes-gcm.ts";

const KEY_BYTES = 32;
const TAG_BYTES = 16;

export const nodeAesGcm: Aes256Gcm = {
  impl: "node:crypto",
  async importKey(raw) {
    if (raw.length !== KEY_BYTES) throw new RangeError("an AES-256 key is 32 bytes");
    return createSecretKey(raw);
  },
  async seal(key, nonce, plaintext, additionalData) {
    const cipher = createCipheriv("aes-256-gcm", key as KeyObject, nonce, { authTagLength: TAG_BYTES });
    if (additionalData) cipher.setAAD(additionalData);
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    return new Uint8Array(Buffer.concat([head, tail, cipher.getAuthTag()]));
  },
  async open(key, nonce, sealed, additionalData) {
    if (sealed.length < TAG_BYTES) throw new Error("AES-GCM input shorter than its tag");
    const decipher = createDecipheriv("aes-256-gcm", key as KeyObject, nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    if (additionalData) decipher.setAAD(additionalData);
    const head = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    const tail = decipher.final();
    return new Uint8Array(Buffer.concat([head, tail]));
  },
};
