// The version 1 backup writer, kept here only to make the frozen version 1 vectors (and the
// restore benchmark's "before"): a node writes version 2 and reads both (docs/protocol.md §19.1.2).
// The body is the canonical JSON {"tables":{name:[rows]}}, gzip, then one AES-256-GCM seal under
// the seed's backup key with the header as associated data.
import { canonicalJson } from "../../src/protocol/encoding/canonical-json.ts";
import { toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { deriveBytes } from "../../src/protocol/identity/seed.ts";
import { assembleFile, BACKUP_SIGNING_CONTEXT, encodeHeader, NONCE_BYTES, signingInput, type BackupHeaderV1, type BackupTable } from "../../src/protocol/backup/file.ts";
import { sha256, tableHash, type BackupIdentity, type TableRows } from "../../src/protocol/backup/seal.ts";
import { BACKUP_KEY_LABEL } from "../../src/protocol/backup/stream.ts";

export interface V1Options {
  seed: Uint8Array;
  identity: BackupIdentity;
  schema: string;
  created: number;
  id?: Uint8Array;
  nonce?: Uint8Array;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
}

export async function sealBackupV1(tables: TableRows[], o: V1Options): Promise<{ file: Uint8Array; header: BackupHeaderV1 }> {
  const ordered = [...tables].sort((a, b) => (a.name < b.name ? -1 : 1));
  const entries: BackupTable[] = [];
  const parts: string[] = [];
  for (const t of ordered) {
    const { sha256: digest, texts } = await tableHash(t);
    entries.push({ name: t.name, columns: t.columns, rows: texts.length, sha256: digest });
    parts.push(`${canonicalJson(t.name)}:[${texts.join(",")}]`);
  }
  const plaintext = new TextEncoder().encode(`{"tables":{${parts.join(",")}}}`);
  const header: BackupHeaderV1 = {
    format: "mcpfed-backup",
    version: 1,
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
  return { file: await sealFileV1(header, plaintext, o), header };
}

export async function sealFileV1(header: BackupHeaderV1, plaintext: Uint8Array, o: Pick<V1Options, "seed" | "identity" | "nonce">): Promise<Uint8Array> {
  const headerBytes = encodeHeader(header);
  const nonce = o.nonce ?? crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const key = await crypto.subtle.importKey("raw", (await deriveBytes(o.seed, BACKUP_KEY_LABEL, 32)) as BufferSource, "AES-GCM", false, ["encrypt"]);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce as BufferSource, additionalData: headerBytes as BufferSource }, key, (await gzip(plaintext)) as BufferSource));
  const body = new Uint8Array(NONCE_BYTES + sealed.length);
  body.set(nonce);
  body.set(sealed, NONCE_BYTES);
  const signature = await o.identity.sign(signingInput(headerBytes, await sha256(body)), BACKUP_SIGNING_CONTEXT);
  return assembleFile(headerBytes, signature, body);
}
