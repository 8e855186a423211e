// Ed25519 from node:crypto, run on the calling thread. WebCrypto's Ed25519 on Node is the same
// OpenSSL code behind a job handed to the thread pool and a promise; on a relayed call's path (an
// intent, a receipt and a countersignature, signed or verified on each side) that hand-off cost
// more than the signature (docs/benchmarks.md, issue 13, session 10). Same keys, same bytes.
import { Buffer } from "node:buffer";
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import type { SignatureAlgorithm } from "../protocol/identity/algorithms.ts";

// RFC 8410's DER prefixes for a bare 32-byte private key (PKCS #8) and public key (SPKI).
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const KEY_BYTES = 32;

const handle = (k: object) => k as KeyObject;

export const nodeEd25519: SignatureAlgorithm = {
  impl: "node:crypto",
  async fromSeed(seed) {
    if (seed.length !== KEY_BYTES) throw new RangeError("an Ed25519 seed is 32 bytes");
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
    const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
    return { publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)), privateKey };
  },
  async importPublic(publicKey) {
    if (publicKey.length !== KEY_BYTES) throw new RangeError("an Ed25519 public key is 32 bytes");
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
  },
  async sign(privateKey, message) {
    return new Uint8Array(sign(null, message, handle(privateKey)));
  },
  async verify(publicKey, signature, message) {
    return verify(null, message, handle(publicKey), signature);
  },
};
