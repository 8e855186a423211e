// The primitives through the runtime's WebCrypto: ML-DSA-65, ML-KEM-768 and SHA3-256 where the
// runtime implements the WICG "modern algorithms" draft (Node >= 24.7, Deno, Workers with the
// webcrypto_modern_algorithms flag); Ed25519 and X25519 nearly everywhere.
import { concat, fromBase64url } from "../encoding/bytes.ts";
import type { KeyHandle, MlKem768, SignatureAlgorithm, X25519 } from "./algorithms.ts";

// The draft's additions (raw-seed and raw-public formats, getPublicKey, encapsulation) are not
// in TypeScript's DOM types yet.
interface ModernSubtle {
  importKey(format: string, key: BufferSource | JsonWebKey, algorithm: string | object, extractable: boolean, usages: string[]): Promise<CryptoKey>;
  exportKey(format: string, key: CryptoKey): Promise<ArrayBuffer | JsonWebKey>;
  getPublicKey(key: CryptoKey, usages: string[]): Promise<CryptoKey>;
  generateKey(algorithm: string | object, extractable: boolean, usages: string[]): Promise<CryptoKeyPair>;
  sign(algorithm: string | object, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
  verify(algorithm: string | object, key: CryptoKey, signature: BufferSource, data: BufferSource): Promise<boolean>;
  deriveBits(algorithm: object, key: CryptoKey, length: number): Promise<ArrayBuffer>;
  digest(algorithm: string, data: BufferSource): Promise<ArrayBuffer>;
  encapsulateBits(algorithm: string | object, key: CryptoKey): Promise<{ ciphertext: ArrayBuffer; sharedKey: ArrayBuffer }>;
  decapsulateBits(algorithm: string | object, key: CryptoKey, ciphertext: BufferSource): Promise<ArrayBuffer>;
}

const subtle = () => crypto.subtle as unknown as ModernSubtle;
const key = (h: KeyHandle) => h as CryptoKey;
const buf = (b: Uint8Array) => b as BufferSource;
const EMPTY = new Uint8Array(0);

// PKCS #8 wrapping of a bare 32-byte private key (RFC 8410): the only import format for a raw
// Ed25519 or X25519 private key that every WebCrypto accepts.
const PKCS8_ED25519 = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);
const PKCS8_X25519 = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20);

/** The public half of an imported Ed25519 or X25519 private key, read from its JWK. */
async function okpPublic(privateKey: CryptoKey): Promise<Uint8Array> {
  const jwk = (await subtle().exportKey("jwk", privateKey)) as JsonWebKey;
  return fromBase64url(jwk.x!);
}

const ML_DSA = "ML-DSA-65";

export const nativeMlDsa65: SignatureAlgorithm = {
  impl: "native",
  async fromSeed(seed) {
    const privateKey = await subtle().importKey("raw-seed", buf(seed), { name: ML_DSA }, false, ["sign"]);
    const pub = await subtle().getPublicKey(privateKey, ["verify"]);
    return { publicKey: new Uint8Array((await subtle().exportKey("raw-public", pub)) as ArrayBuffer), privateKey };
  },
  importPublic: (publicKey) => subtle().importKey("raw-public", buf(publicKey), { name: ML_DSA }, false, ["verify"]),
  async sign(privateKey, message, context = EMPTY) {
    return new Uint8Array(await subtle().sign({ name: ML_DSA, context }, key(privateKey), buf(message)));
  },
  verify: (publicKey, signature, message, context = EMPTY) =>
    subtle().verify({ name: ML_DSA, context }, key(publicKey), buf(signature), buf(message)),
};

export const nativeEd25519: SignatureAlgorithm = {
  impl: "native",
  async fromSeed(seed) {
    const privateKey = await subtle().importKey("pkcs8", buf(concat(PKCS8_ED25519, seed)), "Ed25519", true, ["sign"]);
    return { publicKey: await okpPublic(privateKey), privateKey };
  },
  importPublic: (publicKey) => subtle().importKey("raw", buf(publicKey), "Ed25519", false, ["verify"]),
  async sign(privateKey, message) {
    return new Uint8Array(await subtle().sign("Ed25519", key(privateKey), buf(message)));
  },
  verify: (publicKey, signature, message) => subtle().verify("Ed25519", key(publicKey), buf(signature), buf(message)),
};

const ML_KEM = "ML-KEM-768";

export const nativeMlKem768: MlKem768 = {
  impl: "native",
  async fromSeed(seed) {
    const privateKey = await subtle().importKey("raw-seed", buf(seed), { name: ML_KEM }, false, ["decapsulateBits"]);
    const pub = await subtle().getPublicKey(privateKey, ["encapsulateBits"]);
    return { publicKey: new Uint8Array((await subtle().exportKey("raw-public", pub)) as ArrayBuffer), privateKey };
  },
  importPublic: (publicKey) => subtle().importKey("raw-public", buf(publicKey), { name: ML_KEM }, false, ["encapsulateBits"]),
  async encapsulate(publicKey, randomness) {
    if (randomness) throw new Error("WebCrypto ML-KEM cannot encapsulate with given randomness; use the noble primitives");
    const { ciphertext, sharedKey } = await subtle().encapsulateBits({ name: ML_KEM }, key(publicKey));
    return { ciphertext: new Uint8Array(ciphertext), sharedSecret: new Uint8Array(sharedKey) };
  },
  async decapsulate(privateKey, ciphertext) {
    return new Uint8Array(await subtle().decapsulateBits({ name: ML_KEM }, key(privateKey), buf(ciphertext)));
  },
};

export const nativeX25519: X25519 = {
  impl: "native",
  async fromSecret(secret) {
    const privateKey = await subtle().importKey("pkcs8", buf(concat(PKCS8_X25519, secret)), "X25519", true, ["deriveBits"]);
    return { publicKey: await okpPublic(privateKey), privateKey };
  },
  async generate() {
    const pair = await subtle().generateKey("X25519", true, ["deriveBits"]);
    return { publicKey: new Uint8Array((await subtle().exportKey("raw", pair.publicKey)) as ArrayBuffer), privateKey: pair.privateKey };
  },
  importPublic: (publicKey) => subtle().importKey("raw", buf(publicKey), "X25519", false, []),
  async sharedSecret(privateKey, publicKey) {
    return new Uint8Array(await subtle().deriveBits({ name: "X25519", public: key(publicKey) }, key(privateKey), 256));
  },
};

export async function nativeSha3(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest("SHA3-256", buf(data)));
}
