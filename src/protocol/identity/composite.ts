// The composite signature every node signs with: ML-DSA-65 and Ed25519 over one message, both
// required (draft-ietf-lamps-pq-composite-sigs, id-MLDSA65-Ed25519-SHA512). A forger must break
// both; a flaw found in the young ML-DSA still leaves Ed25519, and a quantum computer still
// leaves ML-DSA.
import { concat, utf8 } from "../encoding/bytes.ts";
import { sha512 } from "@noble/hashes/sha2.js";
import { ED25519_SIGNATURE_BYTES, ed25519ComponentMessage } from "./ed25519-component.ts";
import type { KeyHandle, Primitives } from "./primitives.ts";

/** The protocol's name for this algorithm, in cards and envelope headers. */
export const COMPOSITE_ALG = "mldsa65-ed25519" as const;
const ML_DSA_PK = 1952;
const ML_DSA_SIG = 3309;
export const COMPOSITE_PUBLIC_KEY_BYTES = ML_DSA_PK + 32;
export const COMPOSITE_SIGNATURE_BYTES = ML_DSA_SIG + 64;

// The draft's fixed prefix and this combination's label; the label is also ML-DSA's context.
const PREFIX = utf8("CompositeAlgorithmSignatures2025");
const LABEL = utf8("COMPSIG-MLDSA65-Ed25519-SHA512");

const INLINE_DIGEST_BYTES = 16 * 1024;

/** M' = Prefix || Label || len(ctx) || ctx || SHA-512(M): what both algorithms sign. */
async function representative(message: Uint8Array, context: string): Promise<Uint8Array> {
  const ctx = utf8(context);
  if (ctx.length > 255) throw new RangeError("signature context longer than 255 bytes");
  // A WebCrypto job costs more than hashing a small message in JS; a large one is faster natively.
  const digest = message.length <= INLINE_DIGEST_BYTES ? sha512(message) : new Uint8Array(await crypto.subtle.digest("SHA-512", message as BufferSource));
  return concat(PREFIX, LABEL, Uint8Array.of(ctx.length), ctx, digest);
}

export interface CompositeSigner {
  /** ML-DSA-65 public key || Ed25519 public key. */
  publicKey: Uint8Array;
  /** ML-DSA-65 signature || Ed25519 signature. `context` separates the protocol's uses. */
  sign(message: Uint8Array, context: string): Promise<Uint8Array>;
  /** The Ed25519 half alone, over the prefixed message of ed25519-component.ts: 64 bytes. */
  signEd25519(message: Uint8Array, context: string): Promise<Uint8Array>;
}

export interface CompositeVerifier {
  publicKey: Uint8Array;
  /** Ed25519 first: it is the cheaper half, so most forgeries are refused before ML-DSA runs. */
  verify(signature: Uint8Array, message: Uint8Array, context: string): Promise<boolean>;
  /** A signature of signEd25519 by this key's Ed25519 half. */
  verifyEd25519(signature: Uint8Array, message: Uint8Array, context: string): Promise<boolean>;
}

export async function compositeSigner(p: Primitives, mlDsaSeed: Uint8Array, ed25519Seed: Uint8Array): Promise<CompositeSigner> {
  const [mlDsa, ed] = await Promise.all([p.mlDsa65.fromSeed(mlDsaSeed), p.ed25519.fromSeed(ed25519Seed)]);
  return {
    publicKey: concat(mlDsa.publicKey, ed.publicKey),
    async sign(message, context) {
      const m = await representative(message, context);
      const [a, b] = await Promise.all([p.mlDsa65.sign(mlDsa.privateKey, m, LABEL), p.ed25519.sign(ed.privateKey, m)]);
      return concat(a, b);
    },
    signEd25519: (message, context) => p.ed25519.sign(ed.privateKey, ed25519ComponentMessage(message, context)),
  };
}

export class CompositeKeyError extends Error {
  override name = "CompositeKeyError";
}

/** Throws a CompositeKeyError when either half is not a valid public key. */
export async function compositeVerifier(p: Primitives, publicKey: Uint8Array): Promise<CompositeVerifier> {
  if (publicKey.length !== COMPOSITE_PUBLIC_KEY_BYTES) throw new CompositeKeyError(`composite public key must be ${COMPOSITE_PUBLIC_KEY_BYTES} bytes`);
  let mlDsa: KeyHandle;
  let ed: KeyHandle;
  try {
    [mlDsa, ed] = await Promise.all([p.mlDsa65.importPublic(publicKey.subarray(0, ML_DSA_PK)), p.ed25519.importPublic(publicKey.subarray(ML_DSA_PK))]);
  } catch (err) {
    throw new CompositeKeyError(`invalid composite public key: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    publicKey,
    async verify(signature, message, context) {
      if (signature.length !== COMPOSITE_SIGNATURE_BYTES) return false;
      const m = await representative(message, context);
      try {
        if (!(await p.ed25519.verify(ed, signature.subarray(ML_DSA_SIG), m))) return false;
        return await p.mlDsa65.verify(mlDsa, signature.subarray(0, ML_DSA_SIG), m, LABEL);
      } catch {
        // Some implementations throw on a malformed signature instead of answering false.
        return false;
      }
    },
    async verifyEd25519(signature, message, context) {
      if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
      try {
        return await p.ed25519.verify(ed, signature, ed25519ComponentMessage(message, context));
      } catch {
        return false;
      }
    },
  };
}
