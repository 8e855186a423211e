// Raw RSA for the token issuer's blind signature (src/protocol/tokens/raw-rsa.ts) from node:crypto:
// OpenSSL on Node, BoringSSL on workerd (nodejs_compat), Deno's node:crypto on Deno. With
// RSA_NO_PADDING, privateDecrypt is RSASP1 (CRT, blinded) and publicEncrypt is RSAVP1; both refuse
// an input not below the modulus.
import { Buffer } from "node:buffer";
import { constants, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt } from "node:crypto";
import type { RawRsa } from "../protocol/tokens/raw-rsa.ts";

export const nodeRawRsa: RawRsa = {
  impl: "node:crypto",
  key(privateKeyPkcs8, publicKeySpki) {
    const privateKey = createPrivateKey({ key: Buffer.from(privateKeyPkcs8), format: "der", type: "pkcs8" });
    const publicKey = createPublicKey({ key: Buffer.from(publicKeySpki), format: "der", type: "spki" });
    return {
      rsasp1: (m) => new Uint8Array(privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, m)),
      rsavp1: (s) => new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, s)),
    };
  },
};
