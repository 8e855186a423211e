// X-Wing (draft-connolly-cfrg-xwing-kem-08): ML-KEM-768 and X25519 combined with SHA3-256, the
// KEM every envelope is encrypted to. Built here from the component primitives, so the same
// combiner runs over WebCrypto or @noble; no runtime this node supports offers X-Wing itself.
import { shake256 } from "@noble/hashes/sha3.js";
import { concat } from "../encoding/bytes.ts";
import type { KeyHandle, Primitives } from "./primitives.ts";

/** The protocol's name for X-Wing keys, in cards and envelope headers. */
export const XWING_ALG = "x-wing" as const;
export const XWING_SEED_BYTES = 32;
export const XWING_PUBLIC_KEY_BYTES = 1216;
export const XWING_ENC_BYTES = 1120;
const ML_KEM_PK = 1184;
const ML_KEM_CT = 1088;
// The draft's label, "\.//^\", bound into every shared secret.
const LABEL = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c);

export interface XWingPrivateKey {
  mlKem: KeyHandle;
  x25519: KeyHandle;
  pkX: Uint8Array;
}

export interface XWingPublicKey {
  bytes: Uint8Array;
  mlKem: KeyHandle;
  x25519: KeyHandle;
  pkX: Uint8Array;
}

export class XWingError extends Error {
  override name = "XWingError";
}

export function xWing(p: Primitives) {
  const combine = (ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array) =>
    p.sha3_256(concat(ssM, ssX, ctX, pkX, LABEL));

  return {
    /** GenerateKeyPairDerand: the 32-byte seed is the private key; SHAKE256 expands it (key generation only). */
    async fromSeed(seed: Uint8Array): Promise<{ publicKey: Uint8Array; privateKey: XWingPrivateKey }> {
      if (seed.length !== XWING_SEED_BYTES) throw new XWingError("X-Wing seed must be 32 bytes");
      const expanded = shake256(seed, { dkLen: 96 });
      const [m, x] = await Promise.all([p.mlKem768.fromSeed(expanded.subarray(0, 64)), p.x25519.fromSecret(expanded.slice(64))]);
      return { publicKey: concat(m.publicKey, x.publicKey), privateKey: { mlKem: m.privateKey, x25519: x.privateKey, pkX: x.publicKey } };
    },

    async importPublic(bytes: Uint8Array): Promise<XWingPublicKey> {
      if (bytes.length !== XWING_PUBLIC_KEY_BYTES) throw new XWingError("X-Wing public key must be 1216 bytes");
      const pkX = bytes.slice(ML_KEM_PK);
      const [mlKem, x25519] = await Promise.all([p.mlKem768.importPublic(bytes.subarray(0, ML_KEM_PK)), p.x25519.importPublic(pkX)]);
      return { bytes, mlKem, x25519, pkX };
    },

    /** `eseed` (64 bytes) fixes the randomness, for test vectors only (EncapsulateDerand). */
    async encapsulate(pub: XWingPublicKey, eseed?: Uint8Array): Promise<{ enc: Uint8Array; sharedSecret: Uint8Array }> {
      const [m, [eph, ssX]] = await Promise.all([
        p.mlKem768.encapsulate(pub.mlKem, eseed?.subarray(0, 32)),
        (eseed ? p.x25519.fromSecret(eseed.slice(32, 64)) : p.x25519.generate()).then(
          async (e) => [e, await p.x25519.sharedSecret(e.privateKey, pub.x25519)] as const,
        ),
      ]);
      return { enc: concat(m.ciphertext, eph.publicKey), sharedSecret: await combine(m.sharedSecret, ssX, eph.publicKey, pub.pkX) };
    },

    async decapsulate(priv: XWingPrivateKey, enc: Uint8Array): Promise<Uint8Array> {
      if (enc.length !== XWING_ENC_BYTES) throw new XWingError("X-Wing ciphertext must be 1120 bytes");
      const ctX = enc.subarray(ML_KEM_CT);
      const [ssM, ssX] = await Promise.all([
        p.mlKem768.decapsulate(priv.mlKem, enc.subarray(0, ML_KEM_CT)),
        p.x25519.importPublic(ctX).then((pub) => p.x25519.sharedSecret(priv.x25519, pub)),
      ]);
      return combine(ssM, ssX, ctX, priv.pkX);
    },
  };
}

export type XWing = ReturnType<typeof xWing>;
