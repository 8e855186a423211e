// The backup file (docs/protocol.md §19.1): a plaintext header anyone can read, the node's
// composite signature over the header and the body's hash, and the body: the tables' rows,
// gzip-compressed, then sealed with AES-256-GCM under a key derived from NODE_SEED, with the header
// as associated data. Layout: magic "MCPFEDBK" · u32 header length · header (canonical JSON) ·
// signature (COMPOSITE_SIGNATURE_BYTES) · nonce (12) · ciphertext with its tag.
import { z } from "zod";
import { concat, u32, utf8 } from "../encoding/bytes.ts";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { COMPOSITE_SIGNATURE_BYTES } from "../identity/composite.ts";

export const BACKUP_MAGIC = utf8("MCPFEDBK");
export const BACKUP_VERSION = 1;
/** The composite signature's context: a backup signature means nothing anywhere else. */
export const BACKUP_SIGNING_CONTEXT = "mcpfed/backup/v1";
/** A header is a table list, not data: past this it is not a backup's. */
export const MAX_HEADER_BYTES = 256 * 1024;
export const NONCE_BYTES = 12;
const TAG_BYTES = 16;

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

export const backupHeader = z
  .object({
    format: z.literal("mcpfed-backup"),
    version: z.literal(BACKUP_VERSION),
    /** Random, base64url of 16 bytes: names this file. */
    id: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
    nodeId: z.string().min(1).max(128),
    /** The composite public key that signed it, base64url: a restoring node must hold the same one. */
    signingKey: z.string().regex(/^[A-Za-z0-9_-]+$/).max(4096),
    /** Seconds since the epoch. */
    created: z.number().int().min(0),
    /** The newest migration the tables were written under. */
    schema: z.string().min(1).max(128),
    encryption: z.literal("A256GCM-HKDF-SHA256"),
    compression: z.literal("gzip"),
    /** Bytes of the payload before compression: a reader bounds its inflation by it. */
    plaintextBytes: z.number().int().min(2),
    tables: z.array(backupTable).max(512),
  })
  .strict();
export type BackupHeader = z.infer<typeof backupHeader>;

/** One cell as the store holds it: SQLite's text, integer/real, or null (the schema has no blobs). */
export type Cell = string | number | null;

/** The sealed body, once opened: every table's rows, each row in its header's column order. */
export const backupPayload = z.object({ tables: z.record(sqlName, z.array(z.array(z.union([z.string(), z.number(), z.null()])))) }).strict();
export type BackupPayload = z.infer<typeof backupPayload>;

export interface BackupFileParts {
  headerBytes: Uint8Array;
  header: BackupHeader;
  signature: Uint8Array;
  /** Nonce || ciphertext || tag. */
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

/** Splits a file into its parts and checks the header's shape; checks no signature. */
export function parseFile(file: Uint8Array): BackupFileParts {
  const fixed = BACKUP_MAGIC.length + 4;
  if (file.length < fixed || !BACKUP_MAGIC.every((b, i) => file[i] === b)) throw new BackupError("malformed", "not an mcpfed backup file (no MCPFEDBK magic)");
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = view.getUint32(BACKUP_MAGIC.length);
  if (headerLength > MAX_HEADER_BYTES) throw new BackupError("malformed", `the header claims ${headerLength} bytes, more than ${MAX_HEADER_BYTES}`);
  const sigEnd = fixed + headerLength + COMPOSITE_SIGNATURE_BYTES;
  if (file.length < sigEnd + NONCE_BYTES + TAG_BYTES) throw new BackupError("malformed", "the file is cut short");
  const headerBytes = file.subarray(fixed, fixed + headerLength);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch {
    throw new BackupError("malformed", "the header is not JSON");
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version !== BACKUP_VERSION) throw new BackupError("unsupported_version", `backup format version ${version}; this node reads ${BACKUP_VERSION}`);
  const parsed = backupHeader.safeParse(raw);
  if (!parsed.success) throw new BackupError("malformed", `the header does not match the format: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
  const names = parsed.data.tables.map((t) => t.name);
  if (new Set(names).size !== names.length) throw new BackupError("malformed", "the header lists a table twice");
  return { headerBytes, header: parsed.data, signature: file.subarray(fixed + headerLength, sigEnd), body: file.subarray(sigEnd) };
}
