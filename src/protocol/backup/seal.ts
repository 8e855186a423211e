// Writing and opening a backup file (docs/protocol.md §19.1). Opening checks, in order, before a
// byte of the body is trusted: the layout and header, that this node's key signed it, the
// signature, the size it claims, the AES-GCM tag, the inflated size, then every table's hash.
import { canonicalJson } from "../encoding/canonical-json.ts";
import { toBase64url } from "../encoding/bytes.ts";
import { deriveBytes } from "../identity/seed.ts";
import {
  assembleFile,
  BACKUP_SIGNING_CONTEXT,
  BACKUP_VERSION,
  BackupError,
  backupPayload,
  encodeHeader,
  NONCE_BYTES,
  parseFile,
  signingInput,
  sortedRows,
  tableDigestInput,
  type BackupHeader,
  type BackupTable,
  type Cell,
} from "./file.ts";

/** HKDF-SHA256 label of the backup key: its own, so no other use of NODE_SEED shares it. */
export const BACKUP_KEY_LABEL = "mcpfed/backup/encryption";

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

async function digest(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Hex SHA-256 of a table's canonical rows: what a header lists, and what two stores compare. */
export async function tableHash(t: TableRows): Promise<{ sha256: string; texts: string[] }> {
  const { texts } = sortedRows(t.rows);
  return { sha256: hex(await digest(tableDigestInput(t.name, t.columns, texts))), texts };
}

async function backupKey(seed: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", (await deriveBytes(seed, BACKUP_KEY_LABEL, 32)) as BufferSource, "AES-GCM", false, [usage]);
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Inflates at most `limit` bytes: a small body cannot expand without bound. */
async function gunzip(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
  const out = new Uint8Array(limit);
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > limit) {
        await reader.cancel();
        throw new BackupError("malformed", "the body inflates past the size its header states");
      }
      out.set(value, length);
      length += value.length;
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError("malformed", "the body is not gzip");
  }
  return out.subarray(0, length);
}

export interface SealOptions {
  seed: Uint8Array;
  identity: BackupIdentity;
  schema: string;
  created: number;
  /** Fixed randomness for test vectors; fresh otherwise. */
  id?: Uint8Array;
  nonce?: Uint8Array;
}

/** Writes the file for these tables: hashes them, seals the rows, signs header and body. */
export async function sealBackup(tables: TableRows[], o: SealOptions): Promise<{ file: Uint8Array; header: BackupHeader }> {
  const ordered = [...tables].sort((a, b) => (a.name < b.name ? -1 : 1));
  const entries: BackupTable[] = [];
  const parts: string[] = [];
  for (const t of ordered) {
    const { sha256, texts } = await tableHash(t);
    entries.push({ name: t.name, columns: t.columns, rows: texts.length, sha256 });
    parts.push(`${canonicalJson(t.name)}:[${texts.join(",")}]`);
  }
  // Canonical JSON of { tables: { name: rows } }, built from the row texts already made.
  const plaintext = new TextEncoder().encode(`{"tables":{${parts.join(",")}}}`);
  const header: BackupHeader = {
    format: "mcpfed-backup",
    version: BACKUP_VERSION,
    id: toBase64url(o.id ?? crypto.getRandomValues(new Uint8Array(16))),
    nodeId: o.identity.nodeId,
    signingKey: o.identity.signingKey,
    created: o.created,
    schema: o.schema,
    encryption: "A256GCM-HKDF-SHA256",
    compression: "gzip",
    plaintextBytes: plaintext.length,
    tables: entries,
  };
  return { file: await sealFile(header, plaintext, o), header };
}

/**
 * The file for a header and the plaintext it describes: gzip, AES-256-GCM with the header as
 * associated data, then the signature. Checks neither against the other (sealBackup makes both).
 */
export async function sealFile(header: BackupHeader, plaintext: Uint8Array, o: Pick<SealOptions, "seed" | "identity" | "nonce">): Promise<Uint8Array> {
  const headerBytes = encodeHeader(header);
  const nonce = o.nonce ?? crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const key = await backupKey(o.seed, "encrypt");
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce as BufferSource, additionalData: headerBytes as BufferSource }, key, (await gzip(plaintext)) as BufferSource));
  const body = new Uint8Array(NONCE_BYTES + sealed.length);
  body.set(nonce);
  body.set(sealed, NONCE_BYTES);
  const signature = await o.identity.sign(signingInput(headerBytes, await digest(body)), BACKUP_SIGNING_CONTEXT);
  return assembleFile(headerBytes, signature, body);
}

export interface OpenOptions {
  seed: Uint8Array;
  /** This node's composite public key, base64url: only its own backups are restored. */
  ownSigningKey: string;
  verify(signature: Uint8Array, message: Uint8Array, context: string): Promise<boolean>;
  /** The largest payload this node will inflate. */
  maxPlaintextBytes: number;
}

/** Checks the signature (header and body) of a file signed by `signingKey`, without the seed. */
export async function verifyBackupSignature(file: Uint8Array, verify: OpenOptions["verify"]): Promise<BackupHeader> {
  const parts = parseFile(file);
  if (!(await verify(parts.signature, signingInput(parts.headerBytes, await digest(parts.body)), BACKUP_SIGNING_CONTEXT))) {
    throw new BackupError("bad_signature", "the signature does not match the header and body (altered, or not signed by this key)");
  }
  return parts.header;
}

/** The header and every table's rows, each table's hash checked. Throws a BackupError. */
export async function openBackup(file: Uint8Array, o: OpenOptions): Promise<{ header: BackupHeader; tables: TableRows[] }> {
  const { header, headerBytes, body } = parseFile(file);
  if (header.signingKey !== o.ownSigningKey) throw new BackupError("foreign_node", `signed by node ${header.nodeId}'s key, not this node's: restore needs the NODE_SEED it was made with`);
  await verifyBackupSignature(file, o.verify);
  if (header.plaintextBytes > o.maxPlaintextBytes) throw new BackupError("too_large", `the backup holds ${header.plaintextBytes} bytes of rows, more than ${o.maxPlaintextBytes}`);
  let compressed: Uint8Array;
  try {
    const key = await backupKey(o.seed, "decrypt");
    compressed = new Uint8Array(
      await crypto.subtle.decrypt({ name: "AES-GCM", iv: body.subarray(0, NONCE_BYTES) as BufferSource, additionalData: headerBytes as BufferSource }, key, body.subarray(NONCE_BYTES) as BufferSource),
    );
  } catch {
    throw new BackupError("undecryptable", "the body does not decrypt under this NODE_SEED's backup key");
  }
  const plaintext = await gunzip(compressed, header.plaintextBytes);
  if (plaintext.length !== header.plaintextBytes) throw new BackupError("malformed", "the body's size differs from its header's");
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch {
    throw new BackupError("malformed", "the body is not JSON");
  }
  const payload = backupPayload.safeParse(raw);
  if (!payload.success) throw new BackupError("malformed", "the body does not match the format");
  const names = Object.keys(payload.data.tables).sort();
  if (canonicalJson(names) !== canonicalJson(header.tables.map((t) => t.name).sort())) throw new BackupError("malformed", "the body's tables differ from its header's");
  const tables: TableRows[] = [];
  for (const t of header.tables) {
    const rows = payload.data.tables[t.name]! as Cell[][];
    if (rows.some((r) => r.length !== t.columns.length)) throw new BackupError("malformed", `a row of ${t.name} has the wrong number of cells`);
    const { sha256: sha } = await tableHash({ name: t.name, columns: t.columns, rows });
    if (rows.length !== t.rows || sha !== t.sha256) throw new BackupError("hash_mismatch", `table ${t.name}: the rows do not hash to the header's ${t.sha256}`);
    tables.push({ name: t.name, columns: t.columns, rows });
  }
  return { header, tables };
}

