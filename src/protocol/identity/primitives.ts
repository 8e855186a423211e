// The public-key primitives the protocol is built on. Each has two interchangeable
// implementations: the runtime's WebCrypto where it has the algorithm (src/protocol/identity/native.ts),
// @noble otherwise (src/protocol/identity/noble.ts). Both produce and accept identical bytes; the choice
// is made once per isolate by trying each native algorithm.
import { nativeEd25519, nativeMlDsa65, nativeMlKem768, nativeSha3, nativeX25519 } from "./native.ts";
import { nobleEd25519, nobleMlDsa65, nobleMlKem768, nobleSha3, nobleX25519 } from "./noble.ts";
import type { Impl, KeyHandle, MlKem768, Primitives, SignatureAlgorithm, X25519 } from "./algorithms.ts";

export type { Impl, KeyHandle, MlKem768, Primitives, SignatureAlgorithm, X25519 };

export const noble: Primitives = {
  mlDsa65: nobleMlDsa65,
  ed25519: nobleEd25519,
  mlKem768: nobleMlKem768,
  x25519: nobleX25519,
  sha3_256: nobleSha3,
};

/** Every primitive native; fails on first use where the runtime lacks one. */
export const native: Primitives = {
  mlDsa65: nativeMlDsa65,
  ed25519: nativeEd25519,
  mlKem768: nativeMlKem768,
  x25519: nativeX25519,
  sha3_256: nativeSha3,
};

const probeSeed = new Uint8Array(64).fill(7);
const probeMessage = new Uint8Array(3);

async function works(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

// Each check runs the operations the protocol needs, not just an import: Deno's ML-DSA, for
// one, signs only with an empty context, which the composite signature cannot use.
const checks = {
  mlDsa65: async () => {
    const { privateKey, publicKey } = await native.mlDsa65.fromSeed(probeSeed.subarray(0, 32));
    const sig = await native.mlDsa65.sign(privateKey, probeMessage, probeMessage);
    return native.mlDsa65.verify(await native.mlDsa65.importPublic(publicKey), sig, probeMessage, probeMessage);
  },
  ed25519: async () => {
    const { privateKey, publicKey } = await native.ed25519.fromSeed(probeSeed.subarray(0, 32));
    const sig = await native.ed25519.sign(privateKey, probeMessage);
    return native.ed25519.verify(await native.ed25519.importPublic(publicKey), sig, probeMessage);
  },
  mlKem768: async () => {
    const { privateKey, publicKey } = await native.mlKem768.fromSeed(probeSeed);
    const { ciphertext, sharedSecret } = await native.mlKem768.encapsulate(await native.mlKem768.importPublic(publicKey));
    return sameBytes(await native.mlKem768.decapsulate(privateKey, ciphertext), sharedSecret);
  },
  x25519: async () => {
    const a = await native.x25519.generate();
    const b = await native.x25519.fromSecret(probeSeed.subarray(0, 32));
    const ab = await native.x25519.sharedSecret(a.privateKey, await native.x25519.importPublic(b.publicKey));
    const ba = await native.x25519.sharedSecret(b.privateKey, await native.x25519.importPublic(a.publicKey));
    return ab.length === 32 && sameBytes(ab, ba);
  },
  sha3_256: async () => (await native.sha3_256(probeMessage)).length === 32,
};

let chosen: Promise<Primitives> | undefined;

/** Native where this runtime has it, primitive by primitive; probed once per isolate. */
export function primitives(): Promise<Primitives> {
  chosen ??= (async () => {
    const [mlDsa65, ed25519, mlKem768, x25519, sha3] = await Promise.all([
      works(checks.mlDsa65),
      works(checks.ed25519),
      works(checks.mlKem768),
      works(checks.x25519),
      works(checks.sha3_256),
    ]);
    return {
      mlDsa65: mlDsa65 ? native.mlDsa65 : noble.mlDsa65,
      ed25519: ed25519 ? native.ed25519 : noble.ed25519,
      mlKem768: mlKem768 ? native.mlKem768 : noble.mlKem768,
      x25519: x25519 ? native.x25519 : noble.x25519,
      sha3_256: sha3 ? native.sha3_256 : noble.sha3_256,
    };
  })();
  return chosen;
}

/** Which implementation each primitive uses here, e.g. for a benchmark's label. */
export function describe(p: Primitives): string {
  return `ML-DSA-65 ${p.mlDsa65.impl}, Ed25519 ${p.ed25519.impl}, ML-KEM-768 ${p.mlKem768.impl}, X25519 ${p.x25519.impl}`;
}
