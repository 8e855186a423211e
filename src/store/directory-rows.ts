// A compact directory entry (protocol §20.7) as a row of directory_entries: its fields as bytes
// (node id, HLC, key hash, Ed25519 key, signature, entry id), about 220 bytes where the canonical
// text alone is 450. The canonical form is rebuilt from the row when the entry is read; an entry
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

function signedOf(r: DirectoryRow): SignedEntry {
  const mailboxes = r.mailboxes === null ? {} : { mailboxes: JSON.parse(r.mailboxes) as string[] };
  return {
    origin: toBase32(r.origin),
    kind: "directory",
    key: DIRECTORY_KEY,
    visibility: "public",
    hlc: bytesToHex(r.hlc),
    tombstone: false,
    body: { v: DIRECTORY_ENTRY_VERSION, url: r.url, ...mailboxes, keys: `${KEYS_PREFIX}${bytesToHex(r.keys)}`, ed25519: toBase64url(r.ed25519), exp: r.exp },
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
      url: s.body.url,
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

/** The first 8 bytes of an id (hex, any length up to 64): what directory_entries' id index holds. */
export function idHead(hex: string): Uint8Array {
  return hexToBytes(hex.slice(0, 16).padEnd(16, "0"));
}
