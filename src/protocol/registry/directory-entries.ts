// The compact directory entry (protocol §20.7): what placement and first contact need of a public
// node, about 400 bytes where a node entry with its card is about 11 KB. It names the node's URL
// (or its mailboxes), a hash of its card's keys and, to be checked without the card, the Ed25519
// half of its signing key, which signs it. The card itself is fetched from the URL on first
// contact and must match the hash and the half: a forged entry can send a node to a wrong URL,
// where the card check fails, but never stand for the node.
import { z } from "zod";
import type { Card } from "../card/schema.ts";
import { MAX_MAILBOXES } from "../card/schema.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { fromBase64url, toBase64url } from "../encoding/bytes.ts";
import { sha256Hex } from "../encoding/hash.ts";
import { COMPOSITE_PUBLIC_KEY_BYTES } from "../identity/composite.ts";
import { ED25519_SIGNATURE_BYTES, ed25519ComponentMessage } from "../identity/ed25519-component.ts";
import type { Primitives } from "../identity/primitives.ts";

export const DIRECTORY_ENTRY_VERSION = 1;
/** The one key of a directory entry: an origin has at most one. */
export const DIRECTORY_KEY = "directory" as const;
/** Domain separation: the Ed25519 signature of a directory entry passes for nothing else. */
export const DIRECTORY_ENTRY_CONTEXT = "mcpfed/1 directory-entry";

const ED25519_PUBLIC_KEY_BYTES = 32;
const httpUrl = z.url({ protocol: /^https?$/ }).max(2048);

export const directoryBody = z.strictObject({
  v: z.literal(DIRECTORY_ENTRY_VERSION),
  /** Where the node serves its card: its own origin, or its first mailbox's (§20.6). */
  url: httpUrl,
  /** A node behind mailboxes: their URLs, as its card names them. */
  mailboxes: z.array(httpUrl).min(1).max(MAX_MAILBOXES).optional(),
  /** `sha256:` + SHA-256 of the RFC 8785 form of the card's `keys`: a card fetched later must match it. */
  keys: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  /** base64url of the Ed25519 half of the card's signing key, which signs this entry. */
  ed25519: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "32 bytes, base64url"),
  /** Unix seconds: the card's own expiry; an expired entry is not part of the directory. */
  exp: z.number().int().positive(),
});
export type DirectoryBody = z.infer<typeof directoryBody>;

/** `sha256:` + SHA-256 of the card's keys in canonical form. */
export async function cardKeysHash(card: Pick<Card, "keys">): Promise<string> {
  return `sha256:${await sha256Hex(canonicalJson(card.keys))}`;
}

/** The Ed25519 half of a card's composite signing key, base64url. */
export function ed25519HalfOf(card: Pick<Card, "keys">): string {
  const pub = fromBase64url(card.keys.sig.pub);
  return toBase64url(pub.subarray(COMPOSITE_PUBLIC_KEY_BYTES - ED25519_PUBLIC_KEY_BYTES));
}

/** The directory body a node publishes for its card. */
export async function directoryBodyOf(card: Card): Promise<DirectoryBody> {
  return directoryBody.parse({ v: DIRECTORY_ENTRY_VERSION, url: card.url, ...(card.mailboxes ? { mailboxes: card.mailboxes } : {}), keys: await cardKeysHash(card), ed25519: ed25519HalfOf(card), exp: card.exp });
}

/** Whether a card is the one an entry stands for: the same node, URL, keys and Ed25519 half. */
export async function cardMatches(card: Card, origin: string, body: DirectoryBody): Promise<boolean> {
  return card.id === origin && new URL(card.url).origin === new URL(body.url).origin && (await cardKeysHash(card)) === body.keys && ed25519HalfOf(card) === body.ed25519;
}

/** Signs the entry's bytes with the Ed25519 half alone (ed25519-component.ts). */
export function signDirectoryBytes(bytes: Uint8Array, signer: { signEd25519(message: Uint8Array, context: string): Promise<Uint8Array> }): Promise<Uint8Array> {
  return signer.signEd25519(bytes, DIRECTORY_ENTRY_CONTEXT);
}

/** Whether `sig` is the Ed25519 signature of `bytes` by the key the body names. */
export async function verifyDirectoryBytes(p: Primitives, body: DirectoryBody, bytes: Uint8Array, sig: Uint8Array): Promise<boolean> {
  if (sig.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    const key = await p.ed25519.importPublic(fromBase64url(body.ed25519));
    return await p.ed25519.verify(key, sig, ed25519ComponentMessage(bytes, DIRECTORY_ENTRY_CONTEXT));
  } catch {
    return false;
  }
}
