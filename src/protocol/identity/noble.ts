// The primitives in pure JavaScript (@noble), for runtimes whose WebCrypto lacks them: ML-DSA and
// ML-KEM before Node 24.7, and Workers without the modern-algorithms flag.
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { ml_kem768, type KEMPrepared } from "@noble/post-quantum/ml-kem.js";
import type { KeyHandle, MlKem768, SignatureAlgorithm, X25519 } from "./algorithms.ts";

const bytes = (h: KeyHandle) => h as Uint8Array;
const EMPTY = new Uint8Array(0);

function mlDsa65(deterministic: boolean): SignatureAlgorithm {
  return {
    impl: "noble",
    async fromSeed(seed) {
      const { publicKey, secretKey } = ml_dsa65.keygen(seed);
      return { publicKey, privateKey: secretKey };
    },
    async importPublic(publicKey) {
      if (publicKey.length !== ml_dsa65.lengths.publicKey) throw new Error("ML-DSA-65 public key has the wrong length");
      return publicKey;
    },
    async sign(privateKey, message, context = EMPTY) {
      // FIPS 204's default is hedged; deterministic signing exists for test vectors.
      return ml_dsa65.sign(message, bytes(privateKey), { context, ...(deterministic ? { extraEntropy: false } : {}) });
    },
    async verify(publicKey, signature, message, context = EMPTY) {
      return ml_dsa65.verify(signature, message, bytes(publicKey), { context });
    },
  };
}

export const nobleMlDsa65 = mlDsa65(false);
/** Deterministic ML-DSA signing (FIPS 204 §3.4): only for reproducible test vectors. */
export const deterministicMlDsa65 = mlDsa65(true);

export const nobleEd25519: SignatureAlgorithm = {
  impl: "noble",
  async fromSeed(seed) {
    return { publicKey: ed25519.getPublicKey(seed), privateKey: seed.slice() };
  },
  async importPublic(publicKey) {
    if (publicKey.length !== 32) throw new Error("Ed25519 public key has the wrong length");
    return publicKey;
  },
  async sign(privateKey, message) {
    return ed25519.sign(message, bytes(privateKey));
  },
  async verify(publicKey, signature, message) {
    // RFC 8032 rules, as WebCrypto applies them, so both paths accept the same signatures.
    return ed25519.verify(signature, message, bytes(publicKey), { zip215: false });
  },
};

interface NobleKemPrivate {
  secretKey: Uint8Array;
  prepared: KEMPrepared;
}

export const nobleMlKem768: MlKem768 = {
  impl: "noble",
  async fromSeed(seed) {
    const { publicKey, secretKey } = ml_kem768.keygen(seed);
    // Prepared once: decapsulation re-encrypts, and the expanded matrix is most of its cost.
    return { publicKey, privateKey: { secretKey, prepared: ml_kem768.prepare(publicKey) } satisfies NobleKemPrivate };
  },
  async importPublic(publicKey) {
    return ml_kem768.prepare(publicKey);
  },
  async encapsulate(publicKey, randomness) {
    const { cipherText, sharedSecret } = (publicKey as KEMPrepared).encapsulate(randomness);
    return { ciphertext: cipherText, sharedSecret };
  },
  async decapsulate(privateKey, ciphertext) {
    const k = privateKey as NobleKemPrivate;
    return k.prepared.decapsulate(ciphertext, k.secretKey);
  },
};

export const nobleX25519: X25519 = {
  impl: "noble",
  async fromSecret(secret) {
    return { publicKey: x25519.getPublicKey(secret), privateKey: secret.slice() };
  },
  async generate() {
    const { secretKey, publicKey } = x25519.keygen();
    return { publicKey, privateKey: secretKey };
  },
  async importPublic(publicKey) {
    if (publicKey.length !== 32) throw new Error("X25519 public key has the wrong length");
    return publicKey;
  },
  async sharedSecret(privateKey, publicKey) {
    return x25519.getSharedSecret(bytes(privateKey), bytes(publicKey));
  },
};

export async function nobleSha3(data: Uint8Array): Promise<Uint8Array> {
  return sha3_256(data);
}
