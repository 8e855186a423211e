// Signing with the Ed25519 half of a node's composite key alone, where a classical signature is
// enough for now and a post-quantum one follows later (the ledger's checkpoint suite, protocol
// §8.4). The prefix keeps these messages apart from the composite's own Ed25519 half, whose
// message always begins with "CompositeAlgorithmSignatures2025", and the context apart from
// each other: no signature of one kind passes for the other.
import { concat, utf8 } from "../encoding/bytes.ts";

const PREFIX = utf8("mcpfed/1 ed25519");

export const ED25519_SIGNATURE_BYTES = 64;

/** "mcpfed/1 ed25519" || 0x00 || context || 0x00 || message: what the Ed25519 key signs. */
export function ed25519ComponentMessage(message: Uint8Array, context: string): Uint8Array {
  const ctx = utf8(context);
  if (ctx.length > 255 || ctx.includes(0)) throw new RangeError("signature context must be at most 255 bytes, without NUL");
  return concat(PREFIX, Uint8Array.of(0), ctx, Uint8Array.of(0), message);
}
