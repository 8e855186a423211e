// A real signer for tests: Ed25519 through WebCrypto. Production signs with the composite
// signature (ML-DSA-65 + Ed25519) of the identity work; Ed25519 alone has no context input, so
// this one signs `context ‖ 0x00 ‖ message` to keep the same domain separation.
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import type { EntrySigner, EntryVerifier, OriginKey } from "../../src/protocol/registry/signing.ts";

export interface TestIdentity {
  signer: EntrySigner;
  key: OriginKey;
  /** Raw 32-byte public key, base64url. */
  publicKey: string;
}

function framed(message: Uint8Array, context: string): Uint8Array {
  const ctx = new TextEncoder().encode(context);
  const out = new Uint8Array(ctx.length + 1 + message.length);
  out.set(ctx);
  out.set(message, ctx.length + 1);
  return out;
}

// PKCS #8 wrapping of a raw Ed25519 seed (RFC 8410): a fixed 16-byte header, then the seed.
const PKCS8_ED25519 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

/**
 * An Ed25519 identity, random or from a 32-byte seed (for test vectors). The node id is `t-` and
 * 16 bytes of SHA-256 of the public key in hex; the identity work defines the real format.
 */
export async function ed25519TestSigner(seed?: Uint8Array): Promise<TestIdentity> {
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  if (seed) {
    privateKey = await crypto.subtle.importKey("pkcs8", new Uint8Array([...PKCS8_ED25519, ...seed]), "Ed25519", true, ["sign"]);
    const { x } = await crypto.subtle.exportKey("jwk", privateKey);
    publicKey = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x }, "Ed25519", true, ["verify"]);
  } else {
    ({ privateKey, publicKey } = (await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"])) as CryptoKeyPair);
  }
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", publicKey));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  const nodeId = `t-${Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("")}`;
  return {
    signer: {
      nodeId,
      sign: async (message, context) => new Uint8Array(await crypto.subtle.sign("Ed25519", privateKey, framed(message, context) as BufferSource)),
    },
    key: {
      verify: (message, signature, context) =>
        crypto.subtle.verify("Ed25519", publicKey, signature as BufferSource, framed(message, context) as BufferSource),
    },
    publicKey: toBase64url(raw),
  };
}

/** The origins a test node knows, as the peer directory will know them from node cards. */
export class TestKeyring implements EntryVerifier {
  readonly #keys = new Map<string, OriginKey>();

  add(...identities: TestIdentity[]): this {
    for (const i of identities) this.#keys.set(i.signer.nodeId, i.key);
    return this;
  }

  async keyOf(origin: string): Promise<OriginKey | undefined> {
    return this.#keys.get(origin);
  }
}
