// The chunked seal of a version 2 backup body (docs/protocol.md §19.1.1): the STREAM construction
// of Hoang, Reyhanitabar, Rogaway and Vizár ("Online Authenticated-Encryption and its
// Nonce-Reuse Misuse-Resistance", CRYPTO 2015), as age and Tink use it. Each chunk is AES-256-GCM
// under a per-file key with nonce = prefix (7) ‖ u32 counter ‖ last-chunk flag (1), so a reader
// opens chunk by chunk, and a reordered, dropped, repeated or truncated chunk fails its tag.
import { concat, fromBase64url, u32, utf8 } from "../encoding/bytes.ts";
import { deriveBytes } from "../identity/seed.ts";
import { BackupError, TAG_BYTES } from "./file.ts";

export const NONCE_PREFIX_BYTES = 7;
/** Plaintext bytes per chunk that this node writes (as age): 64 KiB. */
export const CHUNK_BYTES = 64 * 1024;
/** HKDF-SHA256 label of the key all backups' keys come from: its own, so no other use of NODE_SEED shares it. */
export const BACKUP_KEY_LABEL = "mcpfed/backup/encryption";
const CHUNK_KEY_INFO = utf8("mcpfed/backup/v2/chunks");

/** The nonce of chunk `counter`: prefix ‖ u32 big-endian counter ‖ 0x01 on the last chunk, else 0x00. */
export function chunkNonce(prefix: Uint8Array, counter: number, last: boolean): Uint8Array {
  if (prefix.length !== NONCE_PREFIX_BYTES) throw new RangeError(`a nonce prefix is ${NONCE_PREFIX_BYTES} bytes`);
  return concat(prefix, u32(counter), Uint8Array.of(last ? 1 : 0));
}

/** One file's chunk key: HKDF-SHA256 over the seed's backup key, salted with the file's 16-byte id. */
export async function chunkKey(seed: Uint8Array, fileId: string, usage: KeyUsage): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", (await deriveBytes(seed, BACKUP_KEY_LABEL, 32)) as BufferSource, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: fromBase64url(fileId), info: CHUNK_KEY_INFO }, base, { name: "AES-GCM", length: 256 }, false, [usage]);
}

/** Every chunk's associated data: SHA-256 of u32 header length ‖ header, so a chunk belongs to one header. */
export async function chunkAad(headerBytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(u32(headerBytes.length), headerBytes)));
}

export interface ChunkSeal {
  key: CryptoKey;
  prefix: Uint8Array;
  aad: Uint8Array;
}

/** Seals `plaintext` (at least a byte) in chunks of `chunkBytes`; the last one may be shorter, never empty. */
export async function sealChunks(s: ChunkSeal, plaintext: Uint8Array, chunkBytes: number): Promise<Uint8Array> {
  if (plaintext.length === 0) throw new RangeError("a sealed body holds at least a byte");
  const count = Math.ceil(plaintext.length / chunkBytes);
  const out = new Uint8Array(plaintext.length + count * TAG_BYTES);
  for (let i = 0; i < count; i++) {
    const iv = chunkNonce(s.prefix, i, i === count - 1);
    const part = plaintext.subarray(i * chunkBytes, (i + 1) * chunkBytes);
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv: iv as BufferSource, additionalData: s.aad as BufferSource }, s.key, part as BufferSource);
    out.set(new Uint8Array(sealed), i * (chunkBytes + TAG_BYTES));
  }
  return out;
}

/** Opens chunk `counter` (ciphertext ‖ tag); undecryptable when its tag, place or last flag is wrong. */
export async function openChunk(s: ChunkSeal, counter: number, last: boolean, sealed: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const iv = chunkNonce(s.prefix, counter, last);
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: iv as BufferSource, additionalData: s.aad as BufferSource }, s.key, sealed as BufferSource));
  } catch {
    throw new BackupError(
      "undecryptable",
      `chunk ${counter}${last ? " (the last)" : ""} does not open under this NODE_SEED's backup key: altered, out of order, cut short, or sealed with another seed`,
    );
  }
}
