// HPKE (RFC 9180, base mode) from @hpke/core, with X-Wing plugged in as its KEM: the library
// runs the key schedule and AES-256-GCM; the KEM is ours (src/protocol/identity/xwing.ts) so that it runs
// on whichever primitives the runtime has.
import { Aes256Gcm, CipherSuite, HkdfSha256, KemId, type KemInterface, type RecipientContextParams, type SenderContextParams } from "@hpke/core";
import { expand, extract } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Primitives } from "../identity/primitives.ts";
import { xWing, XWING_ENC_BYTES, XWING_PUBLIC_KEY_BYTES, type XWingPrivateKey, type XWingPublicKey } from "../identity/xwing.ts";

// @hpke/core passes keys around as CryptoKeys; these carry our key objects through it.
interface Carried {
  readonly type: "public" | "private";
  readonly key: XWingPublicKey | XWingPrivateKey;
}
export const carryPublic = (key: XWingPublicKey) => ({ type: "public", key }) as Carried as unknown as CryptoKey;
export const carryPrivate = (key: XWingPrivateKey) => ({ type: "private", key }) as Carried as unknown as CryptoKey;
const carried = (k: CryptoKey | CryptoKeyPair) => ("privateKey" in k ? k.privateKey : k) as unknown as Carried;

const toBytes = (b: ArrayBufferLike | ArrayBufferView) =>
  ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
const toBuffer = (b: Uint8Array) => b.slice().buffer as ArrayBuffer;

class XWingKem implements KemInterface {
  readonly id = KemId.XWing;
  readonly secretSize = 32;
  readonly encSize = XWING_ENC_BYTES;
  readonly publicKeySize = XWING_PUBLIC_KEY_BYTES;
  readonly privateKeySize = 32;
  private readonly x: ReturnType<typeof xWing>;

  constructor(p: Primitives) {
    this.x = xWing(p);
  }

  async encap(params: SenderContextParams) {
    const ekm = params.ekm && !("privateKey" in params.ekm) ? toBytes(params.ekm) : undefined;
    const { enc, sharedSecret } = await this.x.encapsulate(carried(params.recipientPublicKey).key as XWingPublicKey, ekm);
    return { enc: toBuffer(enc), sharedSecret: toBuffer(sharedSecret) };
  }

  async decap(params: RecipientContextParams) {
    return toBuffer(await this.x.decapsulate(carried(params.recipientKey).key as XWingPrivateKey, toBytes(params.enc)));
  }

  // Keys come from the keyring and from cards, never through HPKE's own key management.
  serializePublicKey(): Promise<ArrayBuffer> {
    return unsupported();
  }
  deserializePublicKey(): Promise<CryptoKey> {
    return unsupported();
  }
  serializePrivateKey(): Promise<ArrayBuffer> {
    return unsupported();
  }
  deserializePrivateKey(): Promise<CryptoKey> {
    return unsupported();
  }
  importKey(): Promise<CryptoKey> {
    return unsupported();
  }
  generateKeyPair(): Promise<CryptoKeyPair> {
    return unsupported();
  }
  deriveKeyPair(): Promise<CryptoKeyPair> {
    return unsupported();
  }
}

function unsupported(): never {
  throw new Error("mcpfed manages X-Wing keys itself");
}

/**
 * The library's HKDF-SHA256 (its labelled extract and expand, RFC 9180 §4) over a synchronous
 * HMAC. Its own calls WebCrypto about a dozen times per context, and on the native path those
 * round trips cost a quarter as much as the KEM itself.
 */
class SyncHkdfSha256 extends HkdfSha256 {
  override async extract(salt: ArrayBufferLike | ArrayBufferView, ikm: ArrayBufferLike | ArrayBufferView): Promise<ArrayBuffer> {
    return toBuffer(extract(sha256, toBytes(ikm), toBytes(salt)));
  }
  override async expand(prk: ArrayBufferLike | ArrayBufferView, info: ArrayBufferLike | ArrayBufferView, len: number): Promise<ArrayBuffer> {
    return toBuffer(expand(sha256, toBytes(prk), toBytes(info), len));
  }
  override async extractAndExpand(
    salt: ArrayBufferLike | ArrayBufferView,
    ikm: ArrayBufferLike | ArrayBufferView,
    info: ArrayBufferLike | ArrayBufferView,
    len: number,
  ): Promise<ArrayBuffer> {
    return toBuffer(expand(sha256, extract(sha256, toBytes(ikm), toBytes(salt)), toBytes(info), len));
  }
}

const suites = new WeakMap<Primitives, CipherSuite>();

/** X-Wing / HKDF-SHA256 / AES-256-GCM over these primitives; one suite per isolate. */
export function hpkeSuite(p: Primitives): CipherSuite {
  let s = suites.get(p);
  if (!s) suites.set(p, (s = new CipherSuite({ kem: new XWingKem(p), kdf: new SyncHkdfSha256(), aead: new Aes256Gcm() })));
  return s;
}
