// This node's own identity: its signing key (from NODE_SEED), its node id, and its encryption
// keyring. Expanded once per isolate and kept at module scope: ML-DSA and ML-KEM key expansion
// is the bulk of a cold start's crypto.
import { toBase64url } from "../bytes.ts";
import type { Config } from "../config.ts";
import type { Database } from "../store/database.ts";
import { KemKeyring } from "./kem-keyring.ts";
import { LABELS, signingKeyFromSeed, type SigningKey } from "./keys.ts";
import { primitives, type Primitives } from "./primitives.ts";
import type { RotationStatement } from "./rotation.ts";
import { deriveBytes } from "./seed.ts";

export interface LocalIdentity {
  nodeId: string;
  primitives: Primitives;
  signing: SigningKey;
  /** Hand-overs from the node's first signing key to `signing`, oldest first. */
  rotations: RotationStatement[];
  keyring: KemKeyring;
}

const signingKeys = new Map<string, Promise<SigningKey>>();

function signingKey(p: Primitives, seed: Uint8Array): Promise<SigningKey> {
  const id = toBase64url(seed);
  let key = signingKeys.get(id);
  if (!key) {
    key = signingKeyFromSeed(p, seed);
    signingKeys.set(id, key);
  }
  return key;
}

export async function loadIdentity(config: Config, db: Database): Promise<LocalIdentity> {
  const p = await primitives();
  const [signing, storageKey] = await Promise.all([signingKey(p, config.nodeSeed), deriveBytes(config.nodeSeed, LABELS.storage)]);
  return {
    nodeId: signing.nodeId,
    primitives: p,
    signing,
    rotations: [],
    keyring: new KemKeyring({ db, primitives: p, storageKey, periodSeconds: config.kemRotationSeconds }),
  };
}
