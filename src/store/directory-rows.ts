// A compact directory entry (protocol §20.7) as a row of directory_entries: its fields as bytes
// (node id, HLC, key hash, Ed25519 key, signature, entry id) and its URL without `https://`, about
// 210 bytes where the canonical text alone is 450. The canonical form is rebuilt from the row when the entry is read; an entry
// whose rebuilt form would differ by a byte (an origin that is not a node id, say) has no row and
// stays in registry_entries, so what is relayed is always what the origin signed.
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { canonicalJson } from "../protocol/encoding/canonical-json.ts";
import { fromBase32, fromBase64url, toBase32, toBase64url } from "../protocol/encoding/bytes.ts";
import { DIRECTORY_KEY, DIRECTORY_ENTRY_VERSION } from "../protocol/registry/directory-entries.ts";
import type { Entry, SignedEntry } from "../protocol/registry/entry.ts";

export interface DirectoryRow {
  id: Uint8Array;
  origin: Uint8Array;
  hlc: Uint8Array;
  url: string;
  mailboxes: string | null;
  keys: Uint8Array;
  ed25519: Uint8Array;
  exp: number;
  sig: Uint8Array;
}

const KEYS_PREFIX = "sha256:";
const HTTPS = "https://";

/** The URL as a row holds it: without `https://`, which almost every URL starts with. */
function storedUrl(url: string): string {
  return url.startsWith(HTTPS) ? url.slice(HTTPS.length) : url;
}

/** The URL a row stands for. A URL the rule cannot give back (`https://http://…`) fails the rebuild check and keeps no row. */
export function urlOfRow(stored: string): string {
  return /^https?:\/\//.test(stored) ? stored : HTTPS + stored;
}

function signedOf(r: DirectoryRow): SignedEntry {
  const mailboxes = r.mailboxes === null ? {} : { mailboxes: JSON.parse(r.mailboxes) as string[] };
  return {
    origin: toBase32(r.origin),
    kind: "directory",
    key: DIRECTORY_KEY,
    visibility: "public",
    hlc: bytesToHex(r.hlc),
    tombstone: false,
    body: { v: DIRECTORY_ENTRY_VERSION, url: urlOfRow(r.url), ...mailboxes, keys: `${KEYS_PREFIX}${bytesToHex(r.keys)}`, ed25519: toBase64url(r.ed25519), exp: r.exp },
    sig: toBase64url(r.sig),
  };
}

/** The entry a row holds, its canonical form rebuilt. */
export function entryOfRow(r: DirectoryRow): Entry {
  const signed = signedOf(r);
  return { id: bytesToHex(r.id), canonical: canonicalJson(signed), signed };
}

// A NUL, or (with the u flag, which reads a pair as one code point) a lone surrogate. libSQL cuts
// text at the first and turns the second into U+FFFD. (String#isWellFormed is past this build's ES2023 lib.)
const NOT_KEPT_AS_WRITTEN = /[\0\uD800-\uDFFF]/u;

/** Whether libSQL gives `text` back as written. */
function keptAsWritten(text: string): boolean {
  return !NOT_KEPT_AS_WRITTEN.test(text);
}

/**
 * The row for a stored directory entry, or undefined when the row would not give back its
 * canonical form exactly: rebuilt here, or after its text columns went through the store.
 */
export function rowOfEntry(e: Entry): DirectoryRow | undefined {
  const s = e.signed;
  if (s.kind !== "directory" || s.tombstone) return undefined;
  if (![s.body.url, ...(s.body.mailboxes ?? [])].every(keptAsWritten)) return undefined;
  try {
    const row: DirectoryRow = {
      id: hexToBytes(e.id),
      origin: fromBase32(s.origin),
      hlc: hexToBytes(s.hlc),
      url: storedUrl(s.body.url),
      mailboxes: s.body.mailboxes ? JSON.stringify(s.body.mailboxes) : null,
      keys: hexToBytes(s.body.keys.slice(KEYS_PREFIX.length)),
      ed25519: fromBase64url(s.body.ed25519),
      exp: s.body.exp,
      sig: fromBase64url(s.sig),
    };
    return entryOfRow(row).canonical === e.canonical ? row : undefined;
  } catch {
    return undefined;
  }
}

/** How many leading bytes of the id and of the origin directory_entries' indexes hold. */
export const HEAD_BYTES = 2;

/** The first HEAD_BYTES of an id (hex, any length up to 64, right-padded with `pad`): the id index's key. */
export function idHead(hex: string, pad: "0" | "f" = "0"): Uint8Array {
  return hexToBytes(hex.slice(0, HEAD_BYTES * 2).padEnd(HEAD_BYTES * 2, pad));
}
