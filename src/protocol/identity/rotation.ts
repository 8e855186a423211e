// Signing-key rotation. A node keeps the id of its first (inception) key for life; each later key
// is introduced by a statement the key before it signed. A card carries the whole chain, so any
// peer can walk from the node id to the key that signed the card.
import canonicalize from "canonicalize";
import { z } from "zod";
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { compositeVerifier, COMPOSITE_PUBLIC_KEY_BYTES, CompositeKeyError, type CompositeSigner } from "./composite.ts";
import { nodeIdOf } from "./keys.ts";
import type { Primitives } from "./primitives.ts";

export const ROTATION_CONTEXT = "mcpfed/1 rotation";

export const rotationStatement = z
  .object({
    /** The retiring key (composite public key, base64url). */
    prev: z.string().max(4096),
    /** When it was signed, in seconds since the epoch. */
    iat: z.number().int().nonnegative(),
    /** The retiring key's signature over the statement body (see statementBody). */
    sig: z.string().max(8192),
  })
  .strict();
export type RotationStatement = z.infer<typeof rotationStatement>;

/** What the retiring key signs: the node, the key it hands over to, and when. */
function statementBody(nodeId: string, next: Uint8Array, iat: number): Uint8Array {
  return utf8(canonicalize({ id: nodeId, next: toBase64url(next), iat })!);
}

export async function signRotation(nodeId: string, retiring: CompositeSigner, next: Uint8Array, iat: number): Promise<RotationStatement> {
  const sig = await retiring.sign(statementBody(nodeId, next, iat), ROTATION_CONTEXT);
  return { prev: toBase64url(retiring.publicKey), iat, sig: toBase64url(sig) };
}

export class RotationError extends Error {
  override name = "RotationError";
}

/**
 * Checks that `chain` leads from the node id to `current`: the first statement's key is the one
 * the id names, and each key signed the hand-over to the next. Returns every key, oldest first.
 */
export async function verifyChain(p: Primitives, nodeId: string, chain: RotationStatement[], current: Uint8Array): Promise<Uint8Array[]> {
  const keys = [...chain.map((s) => decodeKey(s.prev)), current];
  if ((await nodeIdOf(keys[0]!)) !== nodeId) throw new RotationError("the node id does not name the first key of the rotation chain");
  for (let i = 0; i < chain.length; i++) {
    const s = chain[i]!;
    if (i > 0 && s.iat < chain[i - 1]!.iat) throw new RotationError("rotation statements are out of order");
    let ok: boolean;
    try {
      const verifier = await compositeVerifier(p, keys[i]!);
      ok = await verifier.verify(decodeBytes(s.sig), statementBody(nodeId, keys[i + 1]!, s.iat), ROTATION_CONTEXT);
    } catch (err) {
      if (err instanceof CompositeKeyError) throw new RotationError(err.message);
      throw err;
    }
    if (!ok) throw new RotationError(`rotation statement ${i} is not signed by the key it retires`);
  }
  return keys;
}

function decodeBytes(s: string): Uint8Array {
  try {
    return fromBase64url(s);
  } catch {
    throw new RotationError("rotation statement field is not base64url");
  }
}

function decodeKey(s: string): Uint8Array {
  const key = decodeBytes(s);
  if (key.length !== COMPOSITE_PUBLIC_KEY_BYTES) throw new RotationError("rotation statement key has the wrong length");
  return key;
}
