// Secrets at rest: AES-256-GCM under a key derived from NODE_SEED with its own label, the row's
// identity as associated data, so a sealed value copied to another row, or a database copied
// without the seed, opens nowhere. Text form: "sealed:v1:<key id>:<base64url(nonce || ciphertext)>".
import { concat, fromBase64url, toBase64url, utf8 } from "../protocol/encoding/bytes.ts";
import { deriveBytes } from "../protocol/identity/seed.ts";

const LABEL = "mcpfed/secrets/at-rest";
const PREFIX = "sealed:v1:";
const NONCE_BYTES = 12;

export class SealedSecretError extends Error {
  override name = "SealedSecretError";
}

interface SealingKey {
  /** Short public tag of the key, so a value sealed under a retired seed is recognised as such. */
  id: string;
  key: CryptoKey;
}

async function sealingKey(seed: Uint8Array): Promise<SealingKey> {
  const bytes = await deriveBytes(seed, LABEL, 32);
  const key = await crypto.subtle.importKey("raw", bytes as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]);
  // The key id is derived under another label: it names the key without revealing any of it.
  const id = toBase64url((await deriveBytes(seed, `${LABEL}/key-id`, 6)));
  return { id, key };
}

export function isSealed(text: string): boolean {
  return text.startsWith(PREFIX);
}

/**
 * Seals and opens secret values. `previousSeed` (PREVIOUS_NODE_SEED during a rotation) only opens:
 * values it sealed are re-sealed under the current seed by whoever stores them again.
 */
export class SecretBox {
  readonly #current: Promise<SealingKey>;
  readonly #previous: Promise<SealingKey> | undefined;

  constructor(seed: Uint8Array, previousSeed?: Uint8Array) {
    this.#current = sealingKey(seed);
    this.#previous = previousSeed ? sealingKey(previousSeed) : undefined;
  }

  /** `context` names the row and field (e.g. "upstreams/<name>/headers"): it must match on open. */
  async seal(plaintext: string, context: string): Promise<string> {
    const { id, key } = await this.#current;
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: utf8(context) }, key, utf8(plaintext));
    return `${PREFIX}${id}:${toBase64url(concat(nonce, new Uint8Array(ct)))}`;
  }

  async open(sealed: string, context: string): Promise<string> {
    if (!isSealed(sealed)) throw new SealedSecretError("not a sealed value");
    const rest = sealed.slice(PREFIX.length);
    const colon = rest.indexOf(":");
    const id = rest.slice(0, colon);
    const candidates = [await this.#current, ...(this.#previous ? [await this.#previous] : [])];
    const k = candidates.find((c) => c.id === id);
    if (colon < 0 || !k) throw new SealedSecretError("sealed under a key this node does not hold (another NODE_SEED)");
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = fromBase64url(rest.slice(colon + 1));
    } catch {
      throw new SealedSecretError("malformed sealed value");
    }
    if (bytes.length < NONCE_BYTES + 16) throw new SealedSecretError("malformed sealed value");
    try {
      const pt = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: bytes.subarray(0, NONCE_BYTES), additionalData: utf8(context) },
        k.key,
        bytes.subarray(NONCE_BYTES),
      );
      return new TextDecoder().decode(pt);
    } catch {
      throw new SealedSecretError("the sealed value does not open here (altered, or sealed for another row)");
    }
  }

  /** Whether `sealed` was sealed under the current seed (false: re-seal it). */
  async current(sealed: string): Promise<boolean> {
    return sealed.startsWith(`${PREFIX}${(await this.#current).id}:`);
  }
}
