// Public keys of other nodes, imported once per isolate: an import costs as much as a
// verification on some paths (noble expands ML-KEM's matrix, WebCrypto parses the key).
import { fromBase64url } from "../encoding/bytes.ts";
import { compositeVerifier, type CompositeVerifier } from "./composite.ts";
import type { Primitives } from "./primitives.ts";
import { xWing, type XWingPublicKey } from "./xwing.ts";

const LIMIT = 512;
const signing = new WeakMap<Primitives, Map<string, Promise<CompositeVerifier>>>();
const encryption = new WeakMap<Primitives, Map<string, Promise<XWingPublicKey>>>();

function memo<T>(store: WeakMap<Primitives, Map<string, Promise<T>>>, p: Primitives, key: string, make: () => Promise<T>): Promise<T> {
  let m = store.get(p);
  if (!m) store.set(p, (m = new Map()));
  let v = m.get(key);
  if (!v) {
    // Oldest first out; a failed import is not kept.
    if (m.size >= LIMIT) m.delete(m.keys().next().value!);
    v = make();
    m.set(key, v);
    const cache = m;
    v.catch(() => cache.delete(key));
  }
  return v;
}

/** A composite verifier for a base64url public key; rejects a malformed key. */
export function signingKey(p: Primitives, pub: string): Promise<CompositeVerifier> {
  return memo(signing, p, pub, async () => compositeVerifier(p, fromBase64url(pub)));
}

/** An X-Wing public key ready to encapsulate to; rejects a malformed key. */
export function encryptionKey(p: Primitives, pub: string): Promise<XWingPublicKey> {
  return memo(encryption, p, pub, async () => xWing(p).importPublic(fromBase64url(pub)));
}
