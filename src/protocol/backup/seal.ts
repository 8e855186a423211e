// Writing a backup file (docs/protocol.md §19.1): every table's rows hashed, one canonical JSON
// line per row, gzip (never empty, even over no rows), sealed in chunks (version 2, `stream.ts`),
// the composite signature over the header and the body's hash; written as a stream (§19.1.4).
import { fromBase64url, toBase64url, utf8 } from "../encoding/bytes.ts";
import { sha256 as sha256Stream } from "@noble/hashes/sha2.js";
import { assembleFile, BACKUP_SIGNING_CONTEXT, BACKUP_VERSION, encodeHeader, signingInput, sortedRows, tableDigestInput, type BackupHeaderV2, type BackupTable, type Cell } from "./file.ts";
import { CHUNK_BYTES, chunkAad, chunkKey, chunkSealer, NONCE_PREFIX_BYTES, type ChunkSeal } from "./stream.ts";
import { TableDigest } from "./table-digest.ts";

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

/**
 * A table whose rows a writer reads in pages, as often as it needs: each row's canonical JSON, in
 * the file's order (sorted, §19.1), the same rows on every reading.
 */
export interface SortedTable {
  name: string;
  columns: string[];
  pages(): AsyncIterable<string[]>;
}

/** A backup being written: its header, its size, and its bytes as they are made. */
export interface BackupWriting {
  header: BackupHeaderV2;
  bytes: number;
  stream: ReadableStream<Uint8Array>;
}

/** A stream of the pieces an async iterable yields, pulled one at a time. */
function pulled(pieces: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = pieces[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await it.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await it.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

async function* tableLines(tables: SortedTable[]): AsyncIterable<Uint8Array> {
  for (const t of tables) for await (const page of t.pages()) if (page.length) yield utf8(page.map((r) => `${r}\n`).join(""));
}

/** The sealed body of a payload given in pieces: gzip, then the chunk seal, both as the bytes pass. */
function sealedBody(payload: AsyncIterable<Uint8Array>, seal: ChunkSeal, chunkBytes: number): ReadableStream<Uint8Array> {
  return pulled(payload)
    .pipeThrough(new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
    .pipeThrough(chunkSealer(seal, chunkBytes));
}

/** SHA-256 and length of a stream's bytes. */
async function digestOf(stream: ReadableStream<Uint8Array>): Promise<{ digest: Uint8Array; bytes: number }> {
  const hash = sha256Stream.create();
  let bytes = 0;
  for await (const piece of stream as unknown as AsyncIterable<Uint8Array>) {
    hash.update(piece);
    bytes += piece.length;
  }
  return { digest: hash.digest(), bytes };
}

/** `head` then every piece of `body`, which must hash to `digest`: the stream fails at its end otherwise. */
function signedFileStream(head: Uint8Array, body: ReadableStream<Uint8Array>, digest: Uint8Array): ReadableStream<Uint8Array> {
  const hash = sha256Stream.create();
  const checked = new TransformStream<Uint8Array, Uint8Array>({
    transform(piece, controller) {
      hash.update(piece);
      controller.enqueue(piece);
    },
    flush() {
      const got = hash.digest();
      if (!got.every((b, i) => b === digest[i])) throw new Error("the backup body written differs from the one signed");
    },
  });
  const rest = body.pipeThrough(checked).getReader();
  let headSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headSent) {
          headSent = true;
          controller.enqueue(head);
          return;
        }
        const { done, value } = await rest.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => rest.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/**
 * Writes a backup of these tables as a stream, holding a page of rows and a chunk at a time. The
 * header lists each table's hash and the signature covers the whole body, and both come before
 * the body (§19.1), so the rows are read three times: to hash the tables, to seal the body and
 * hash it for the signature, and to seal it again as it is sent (§19.1.4). Gzip and the chunk
 * seal are deterministic over the same pieces, and the second body is checked against the first.
 */
export async function streamBackup(tables: SortedTable[], o: SealOptions): Promise<BackupWriting> {
  const ordered = [...tables].sort((a, b) => (a.name < b.name ? -1 : 1));
  const entries: BackupTable[] = [];
  let plaintextBytes = 0;
  for (const t of ordered) {
    const digest = new TableDigest(t.name, t.columns);
    for await (const page of t.pages()) for (const row of page) digest.add(row);
    plaintextBytes += digest.bytes;
    entries.push({ name: t.name, columns: t.columns, rows: digest.count, sha256: digest.hex() });
  }
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
    plaintextBytes,
    chunkBytes: o.chunkBytes ?? CHUNK_BYTES,
    noncePrefix: toBase64url(o.noncePrefix ?? crypto.getRandomValues(new Uint8Array(NONCE_PREFIX_BYTES))),
    tables: entries,
  };
  return signedWriting(header, () => tableLines(ordered), o);
}

async function signedWriting(header: BackupHeaderV2, payload: () => AsyncIterable<Uint8Array>, o: Pick<SealOptions, "seed" | "identity">): Promise<BackupWriting> {
  const headerBytes = encodeHeader(header);
  const seal = { key: await chunkKey(o.seed, header.id, "encrypt"), prefix: fromBase64url(header.noncePrefix), aad: await chunkAad(headerBytes) };
  const body = await digestOf(sealedBody(payload(), seal, header.chunkBytes));
  const signature = await o.identity.sign(signingInput(headerBytes, body.digest), BACKUP_SIGNING_CONTEXT);
  const head = assembleFile(headerBytes, signature, new Uint8Array(0));
  return { header, bytes: head.length + body.bytes, stream: signedFileStream(head, sealedBody(payload(), seal, header.chunkBytes), body.digest) };
}

async function collected(w: BackupWriting): Promise<Uint8Array> {
  return new Uint8Array(await new Response(w.stream as ReadableStream<Uint8Array<ArrayBuffer>>).arrayBuffer());
}

/** Sorted rows held in memory, read as one page. */
function heldTable(t: TableRows): SortedTable {
  const { texts } = sortedRows(t.rows);
  return {
    name: t.name,
    columns: t.columns,
    async *pages() {
      yield texts;
    },
  };
}

/** Writes the whole file for tables held in memory (test vectors, tests): streamBackup, collected. */
export async function sealBackup(tables: TableRows[], o: SealOptions): Promise<{ file: Uint8Array; header: BackupHeaderV2 }> {
  const w = await streamBackup(tables.map(heldTable), o);
  return { file: await collected(w), header: w.header };
}

/**
 * The file for a version 2 header and the payload it describes: gzip, sealed in chunks, then the
 * signature. Checks neither against the other (sealBackup makes both; vectors make them disagree).
 */
export async function sealFile(header: BackupHeaderV2, plaintext: Uint8Array, o: Pick<SealOptions, "seed" | "identity">): Promise<Uint8Array> {
  return collected(
    await signedWriting(header, async function* () {
      yield plaintext;
    }, o),
  );
}
