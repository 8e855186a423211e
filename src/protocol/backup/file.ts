// The backup file (docs/protocol.md §19.1): a plaintext header anyone can read, the node's
// composite signature over the header and the body's hash, and the body: the tables' rows,
// gzip-compressed, then sealed under a key derived from NODE_SEED. Layout: magic "MCPFEDBK" ·
// u32 header length · header (canonical JSON) · signature (COMPOSITE_SIGNATURE_BYTES) · body.
// Version 2 (written now) seals the body in chunks (the STREAM construction, `stream.ts`), so it
// is opened as it arrives; version 1 sealed it whole (nonce (12) · ciphertext with its tag) and is
// still read.
import { z } from "zod";
import { concat, u32, utf8 } from "../encoding/bytes.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { COMPOSITE_SIGNATURE_BYTES } from "../identity/composite.ts";

export const BACKUP_MAGIC = utf8("MCPFEDBK");
/** The version written; version 1 is still read. */
export const BACKUP_VERSION = 2;
/** The composite signature's context: a backup signature means nothing anywhere else. */
export const BACKUP_SIGNING_CONTEXT = "mcpfed/backup/v1";
/** A header is a table list, not data: past this it is not a backup's. */
export const MAX_HEADER_BYTES = 256 * 1024;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/** Why a file was refused, before anything was written. */
export type BackupRefusal =
  | "malformed"
  | "unsupported_version"
  | "foreign_node"
  | "bad_signature"
  | "undecryptable"
  | "too_large"
  | "hash_mismatch"
  | "schema_mismatch"
  | "not_fresh";

export class BackupError extends Error {
  override name = "BackupError";
  constructor(
    readonly reason: BackupRefusal,
    message: string,
  ) {
    super(message);
  }
}

const sqlName = z.string().regex(/^[a-z_][a-z0-9_]*$/).max(64);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const backupTable = z
  .object({
    name: sqlName,
    columns: z.array(sqlName).min(1).max(128),
    rows: z.number().int().min(0),
    /** Hex SHA-256 of the table's canonical rows (tableDigestInput). */
    sha256: hex64,
  })
  .strict();
export type BackupTable = z.infer<typeof backupTable>;

const headerFields = {
  format: z.literal("mcpfed-backup"),
  /** Random, base64url of 16 bytes: names this file (and salts version 2's chunk key). */
  id: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  nodeId: z.string().min(1).max(128),
  /** The composite public key that signed it, base64url: a restoring node must hold the same one. */
  signingKey: z.string().regex(/^[A-Za-z0-9_-]+$/).max(4096),
  /** Seconds since the epoch. */
  created: z.number().int().min(0),
  /** The newest migration the tables were written under. */
  schema: z.string().min(1).max(128),
  compression: z.literal("gzip"),
  /** Bytes of the payload before compression: a reader bounds its inflation by it. */
  plaintextBytes: z.number().int().min(2),
  tables: z.array(backupTable).max(512),
};

/** Version 1: the body sealed whole with one AES-256-GCM nonce. */
export const backupHeaderV1 = z.object({ ...headerFields, version: z.literal(1), encryption: z.literal("A256GCM-HKDF-SHA256") }).strict();

/** The largest chunk a version 2 file may use: what a reader buffers at most. */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/** Version 2: the body sealed in chunks of `chunkBytes` (the last shorter), each opened alone. */
export const backupHeaderV2 = z
  .object({
    ...headerFields,
    version: z.literal(2),
    /** The payload's lines; none when no table holds a row. */
    plaintextBytes: z.number().int().min(0),
    encryption: z.literal("A256GCM-STREAM-HKDF-SHA256"),
    chunkBytes: z.number().int().min(4096).max(MAX_CHUNK_BYTES),
    /** 7 random bytes, base64url: every chunk's nonce starts with them. */
    noncePrefix: z.string().regex(/^[A-Za-z0-9_-]{10}$/),
  })
  .strict();

export const backupHeader = z.discriminatedUnion("version", [backupHeaderV1, backupHeaderV2]);
export type BackupHeaderV1 = z.infer<typeof backupHeaderV1>;
export type BackupHeaderV2 = z.infer<typeof backupHeaderV2>;
export type BackupHeader = z.infer<typeof backupHeader>;

/** One cell as the store holds it: SQLite's text, integer/real, or null (the schema has no blobs). */
export type Cell = string | number | null;

/** Version 1's sealed body, once opened: every table's rows, each row in its header's column order. */
export const backupPayload = z.object({ tables: z.record(sqlName, z.array(z.array(z.union([z.string(), z.number(), z.null()])))) }).strict();
export type BackupPayload = z.infer<typeof backupPayload>;

export interface BackupFileParts {
  headerBytes: Uint8Array;
  header: BackupHeader;
  signature: Uint8Array;
  /** Version 1: nonce ‖ ciphertext ‖ tag; version 2: the chunks. */
  body: Uint8Array;
}

/** Rows in one order on every store: by their canonical JSON, as code units. */
export function sortedRows(rows: Cell[][]): { rows: Cell[][]; texts: string[] } {
  const keyed = rows.map((r) => ({ r, t: canonicalJson(r) }));
  keyed.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  return { rows: keyed.map((k) => k.r), texts: keyed.map((k) => k.t) };
}

/** What a table's hash is taken over: `{"columns":[…],"name":…,"rows":[…]}`, rows sorted. */
export function tableDigestInput(name: string, columns: string[], sortedRowTexts: string[]): Uint8Array {
  return utf8(`{"columns":${canonicalJson(columns)},"name":${canonicalJson(name)},"rows":[${sortedRowTexts.join(",")}]}`);
}

/** What the signature covers: u32 header length · header · SHA-256(body). */
export function signingInput(headerBytes: Uint8Array, bodyDigest: Uint8Array): Uint8Array {
  return concat(u32(headerBytes.length), headerBytes, bodyDigest);
}

export function encodeHeader(header: BackupHeader): Uint8Array {
  return utf8(canonicalJson(header));
}

export function assembleFile(headerBytes: Uint8Array, signature: Uint8Array, body: Uint8Array): Uint8Array {
  return concat(BACKUP_MAGIC, u32(headerBytes.length), headerBytes, signature, body);
}

/** The bytes before the header: the magic and the header's length, checked. */
export const PREFIX_BYTES = BACKUP_MAGIC.length + 4;

/** The header's length from the file's first PREFIX_BYTES bytes; malformed when not a backup's. */
export function headerLength(prefix: Uint8Array): number {
  if (prefix.length < PREFIX_BYTES || !BACKUP_MAGIC.every((b, i) => prefix[i] === b)) throw new BackupError("malformed", "not an mcpfed backup file (no MCPFEDBK magic)");
  const length = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getUint32(BACKUP_MAGIC.length);
  if (length > MAX_HEADER_BYTES) throw new BackupError("malformed", `the header claims ${length} bytes, more than ${MAX_HEADER_BYTES}`);
  return length;
}

/** Reads a header's bytes: its version first, then its shape. */
export function parseHeader(headerBytes: Uint8Array): BackupHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch {
    throw new BackupError("malformed", "the header is not JSON");
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version !== 1 && version !== 2) throw new BackupError("unsupported_version", `backup format version ${version}; this node reads 1 and 2`);
  const parsed = backupHeader.safeParse(raw);
  if (!parsed.success) throw new BackupError("malformed", `the header does not match the format: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
  const names = parsed.data.tables.map((t) => t.name);
  if (new Set(names).size !== names.length) throw new BackupError("malformed", "the header lists a table twice");
  return parsed.data;
}

/** Splits a whole file into its parts and checks the header's shape; checks no signature. */
export function parseFile(file: Uint8Array): BackupFileParts {
  const length = headerLength(file.subarray(0, PREFIX_BYTES));
  const sigEnd = PREFIX_BYTES + length + COMPOSITE_SIGNATURE_BYTES;
  // Version 1: a nonce and a tag; version 2: one chunk at least (a tag and a byte).
  if (file.length < sigEnd + TAG_BYTES + 1) throw new BackupError("malformed", "the file is cut short");
  const headerBytes = file.subarray(PREFIX_BYTES, PREFIX_BYTES + length);
  const header = parseHeader(headerBytes);
  if (header.version === 1 && file.length < sigEnd + NONCE_BYTES + TAG_BYTES) throw new BackupError("malformed", "the file is cut short");
  return { headerBytes, header, signature: file.subarray(PREFIX_BYTES + length, sigEnd), body: file.subarray(sigEnd) };
}
