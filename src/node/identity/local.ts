// This node's own identity: its signing key (from NODE_SEED), its node id, its rotation chain
// and its encryption keyring. Keys are expanded once per isolate and kept at module scope: ML-DSA
// and ML-KEM key expansion is the bulk of a cold start's crypto.
import { fromBase64url, toBase64url } from "../../protocol/encoding/bytes.ts";
import { ConfigError, type Config } from "../settings/config.ts";
import type { Database } from "../../store/database.ts";
import { insertSigningRotationIfAbsent, listSigningRotations } from "../../store/identity/signing-rotations.ts";
import { KemKeyring } from "./kem-keyring.ts";
import { LABELS, nodeIdOf, signingKeyFromSeed, type SigningKey } from "../../protocol/identity/keys.ts";
import { primitives, type Primitives } from "../../protocol/identity/primitives.ts";
import { signRotation, type RotationStatement } from "../../protocol/identity/rotation.ts";
import { deriveBytes } from "../../protocol/identity/seed.ts";

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

/**
 * The stored rotation chain, extended when PREVIOUS_NODE_SEED is set and the chain does not yet
 * reach NODE_SEED's key. The chain must end at NODE_SEED's key (or be empty): a NODE_SEED that
 * changed without PREVIOUS_NODE_SEED would silently make this a different node.
 */
async function rotationChain(p: Primitives, config: Config, db: Database, current: SigningKey): Promise<RotationStatement[]> {
  const read = () => listSigningRotations(db);
  let rows = await read();
  const currentKey = toBase64url(current.signer.publicKey);
  const end = rows.at(-1)?.nextKey;
  if (end !== currentKey && config.previousNodeSeed) {
    const previous = await signingKey(p, config.previousNodeSeed);
    const previousKey = toBase64url(previous.signer.publicKey);
    if (end !== undefined && end !== previousKey) {
      throw new ConfigError("invalid configuration:\n  PREVIOUS_NODE_SEED: not the key this node's rotation chain ends at");
    }
    if (previousKey !== currentKey) {
      const nodeId = rows.length ? await nodeIdOf(fromBase64url(rows[0]!.statement.prev)) : previous.nodeId;
      const statement = await signRotation(nodeId, previous.signer, current.signer.publicKey, Math.floor(Date.now() / 1000));
      // Several isolates may sign at once; the first row in a position wins, the others re-read.
      await insertSigningRotationIfAbsent(db, { position: rows.length, statement, nextKey: currentKey });
      rows = await read();
    }
  }
  if (rows.length && rows.at(-1)!.nextKey !== currentKey) {
    throw new ConfigError("invalid configuration:\n  NODE_SEED: not the key this node's rotation chain ends at (to rotate, also set PREVIOUS_NODE_SEED)");
  }
  return rows.map((r) => r.statement);
}

export async function loadIdentity(config: Config, db: Database): Promise<LocalIdentity> {
  const p = await primitives();
  const [signing, storageKey] = await Promise.all([signingKey(p, config.nodeSeed), deriveBytes(config.nodeSeed, LABELS.storage)]);
  const rotations = await rotationChain(p, config, db, signing);
  return {
    nodeId: rotations.length ? await nodeIdOf(fromBase64url(rotations[0]!.prev)) : signing.nodeId,
    primitives: p,
    signing,
    rotations,
    keyring: new KemKeyring({ db, primitives: p, storageKey, periodSeconds: config.kemRotationSeconds }),
  };
}
