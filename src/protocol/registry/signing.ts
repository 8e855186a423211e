// Who signs and who checks. The registry never holds keys: the node's identity signs its own
// entries, and a verifier resolves any origin's public key. In production both are the composite
// signature (ML-DSA-65 + Ed25519) of src/identity; tests use Ed25519 (test/support/ed25519.ts).
import { fromBase64url, toBase64url } from "../encoding/bytes.ts";
import { signingBytes, signedEntry, toEntry, type Entry, type SignedEntry, type UnsignedEntry } from "./entry.ts";
import type { EntrySigner, OriginKey } from "../identity/signer.ts";
import type { Card } from "../card/schema.ts";
import type { Primitives } from "../identity/primitives.ts";
import { cardMatches, signDirectoryBytes, verifyDirectoryBytes } from "./directory-entries.ts";

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

export type DirectoryEntry = Extract<SignedEntry, { kind: "directory" }>;

/** A directory entry (§20.7) is signed by the Ed25519 half of the origin's key alone: it verifies without the card. */
export async function signDirectoryEntry(unsigned: Extract<UnsignedEntry, { kind: "directory" }>, signer: EntrySigner & { signEd25519(message: Uint8Array, context: string): Promise<Uint8Array> }): Promise<Entry> {
  if (unsigned.origin !== signer.nodeId) throw new Error(`cannot sign for ${unsigned.origin} as ${signer.nodeId}`);
  const signature = await signDirectoryBytes(signingBytes(unsigned), signer);
  return toEntry(signedEntry.parse({ ...unsigned, sig: toBase64url(signature) }));
}

/**
 * Why a directory entry must be refused, or undefined: its signature by the key it names, then,
 * when the checker holds the origin's card, that card is the one it stands for.
 */
export async function checkDirectoryEntry(e: DirectoryEntry, p: Primitives, card: Card | undefined): Promise<"bad_signature" | "card_mismatch" | undefined> {
  let sig: Uint8Array;
  try {
    sig = fromBase64url(e.sig);
  } catch {
    return "bad_signature";
  }
  if (!(await verifyDirectoryBytes(p, e.body, signingBytes(e), sig))) return "bad_signature";
  if (card && !(await cardMatches(card, e.origin, e.body))) return "card_mismatch";
  return undefined;
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
