// Who signs and who checks. The registry never holds keys: the node's identity signs its own
// entries, and a verifier resolves any origin's public key. In production both are the composite
// signature (ML-DSA-65 + Ed25519) of src/identity; tests use Ed25519 (test/support/ed25519.ts).
import { fromBase64url, toBase64url } from "../encoding/bytes.ts";
import { signingBytes, signedEntry, toEntry, type Entry, type UnsignedEntry } from "./entry.ts";
import type { EntrySigner, OriginKey } from "../identity/signer.ts";

/** Domain separation: a registry-entry signature can never pass for any other message. */
export const ENTRY_CONTEXT = "mcpfed/1 registry-entry";

export type { EntrySigner, OriginKey } from "../identity/signer.ts";

export interface EntryVerifier {
  /**
   * The origin's public key, or undefined when this node does not know the origin. `via` is the
   * peer the entry came from, which may be asked for the key of an origin further away.
   */
  keyOf(origin: string, via?: string): Promise<OriginKey | undefined>;
}

export async function signEntry(unsigned: UnsignedEntry, signer: EntrySigner): Promise<Entry> {
  if (unsigned.origin !== signer.nodeId) throw new Error(`cannot sign for ${unsigned.origin} as ${signer.nodeId}`);
  const signature = await signer.sign(signingBytes(unsigned), ENTRY_CONTEXT);
  return toEntry(signedEntry.parse({ ...unsigned, sig: toBase64url(signature) }));
}

export type Verdict = "valid" | "bad_signature" | "unknown_origin";

export async function verifyEntry(entry: Entry, verifier: EntryVerifier, via?: string): Promise<Verdict> {
  const key = await verifier.keyOf(entry.signed.origin, via);
  if (!key) return "unknown_origin";
  try {
    const ok = await key.verify(signingBytes(entry.signed), fromBase64url(entry.signed.sig), ENTRY_CONTEXT);
    return ok ? "valid" : "bad_signature";
  } catch {
    // Undecodable or wrongly sized signatures make some verifiers throw rather than say no.
    return "bad_signature";
  }
}
