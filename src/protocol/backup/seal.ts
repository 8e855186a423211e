// Writing a backup file (docs/protocol.md §19.1): every table's rows hashed, one canonical JSON
// line per row, gzip (never empty, even over no rows), sealed in chunks (version 2, `stream.ts`), then the composite signature over
// the header and the body's hash.
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { assembleFile, BACKUP_SIGNING_CONTEXT, BACKUP_VERSION, encodeHeader, signingInput, sortedRows, tableDigestInput, type BackupHeaderV2, type BackupTable, type Cell } from "./file.ts";
import { CHUNK_BYTES, chunkAad, chunkKey, NONCE_PREFIX_BYTES, sealChunks } from "./stream.ts";

export interface TableRows {
  name: string;
  columns: string[];
  rows: Cell[][];
}

export interface BackupIdentity {
  nodeId: string;
  /** Composite public key, base64url. */
  signingKey: string;
  sign(message: Uint8Array, context: string): Promise<Uint8Array>;
}

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Hex SHA-256 of a table's canonical rows: what a header lists, and what two stores compare. */
export async function tableHash(t: TableRows): Promise<{ sha256: string; texts: string[] }> {
  const { texts } = sortedRows(t.rows);
  return { sha256: hex(await sha256(tableDigestInput(t.name, t.columns, texts))), texts };
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export interface SealOptions {
  seed: Uint8Array;
  identity: BackupIdentity;
  schema: string;
  created: number;
  /** Fixed randomness for test vectors; fresh otherwise. */
  id?: Uint8Array;
  noncePrefix?: Uint8Array;
  /** Plaintext bytes per chunk; CHUNK_BYTES unless a vector wants small ones. */
  chunkBytes?: number;
}

/** The payload of a version 2 body: each table's rows in header order, sorted, one canonical JSON line each. */
export function payloadLines(tables: { texts: string[] }[]): Uint8Array {
  return utf8(tables.map((t) => t.texts.map((r) => `${r}\n`).join("")).join(""));
}

/** Writes the file for these tables: hashes them, seals the rows in chunks, signs header and body. */
export async function sealBackup(tables: TableRows[], o: SealOptions): Promise<{ file: Uint8Array; header: BackupHeaderV2 }> {
  const ordered = [...tables].sort((a, b) => (a.name < b.name ? -1 : 1));
  const entries: BackupTable[] = [];
  const hashed: { texts: string[] }[] = [];
  for (const t of ordered) {
    const { sha256: digest, texts } = await tableHash(t);
    entries.push({ name: t.name, columns: t.columns, rows: texts.length, sha256: digest });
    hashed.push({ texts });
  }
  const plaintext = payloadLines(hashed);
  const header: BackupHeaderV2 = {
    format: "mcpfed-backup",
    version: BACKUP_VERSION,
    id: toBase64url(o.id ?? crypto.getRandomValues(new Uint8Array(16))),
    nodeId: o.identity.nodeId,
    signingKey: o.identity.signingKey,
    created: o.created,
    schema: o.schema,
    encryption: "A256GCM-STREAM-HKDF-SHA256",
    compression: "gzip",
    plaintextBytes: plaintext.length,
    chunkBytes: o.chunkBytes ?? CHUNK_BYTES,
    noncePrefix: toBase64url(o.noncePrefix ?? crypto.getRandomValues(new Uint8Array(NONCE_PREFIX_BYTES))),
    tables: entries,
  };
  return { file: await sealFile(header, plaintext, o), header };
}

/**
 * The file for a version 2 header and the payload it describes: gzip, sealed in chunks, then the
 * signature. Checks neither against the other (sealBackup makes both; vectors make them disagree).
 */
export async function sealFile(header: BackupHeaderV2, plaintext: Uint8Array, o: Pick<SealOptions, "seed" | "identity">): Promise<Uint8Array> {
  const headerBytes = encodeHeader(header);
  const seal = { key: await chunkKey(o.seed, header.id, "encrypt"), prefix: fromBase64url(header.noncePrefix), aad: await chunkAad(headerBytes) };
  const body = await sealChunks(seal, await gzip(plaintext), header.chunkBytes);
  const signature = await o.identity.sign(signingInput(headerBytes, await sha256(body)), BACKUP_SIGNING_CONTEXT);
  return assembleFile(headerBytes, signature, body);
}
