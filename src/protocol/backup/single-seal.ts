// Opening a version 1 backup (docs/protocol.md §19.1.2), whose body was sealed whole under one
// AES-256-GCM nonce: it is read whole, then checked as before (signature, size, tag, inflated
// size, every table's hash). Nothing writes this version any more.
import { canonicalJson } from "../encoding/canonical-json.ts";
import { deriveBytes } from "../identity/seed.ts";
import { BackupError, backupPayload, NONCE_BYTES, type BackupHeaderV1, type Cell } from "./file.ts";
import { tableHash, type TableRows } from "./seal.ts";
import { BACKUP_KEY_LABEL } from "./stream.ts";

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

/** A version 1 body's tables, each table's hash checked; the signature is checked before this. */
export async function openSingleSeal(header: BackupHeaderV1, headerBytes: Uint8Array, body: Uint8Array, seed: Uint8Array): Promise<TableRows[]> {
  let compressed: Uint8Array;
  try {
    const key = await crypto.subtle.importKey("raw", (await deriveBytes(seed, BACKUP_KEY_LABEL, 32)) as BufferSource, "AES-GCM", false, ["decrypt"]);
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
  return tables;
}
