// Opening a backup file as it arrives (docs/protocol.md §19.1): the prefix and header first
// (version, this node's key, the size it claims, and the caller's own checks), then, for version
// 2, chunk by chunk: each chunk's tag, the inflated size, each row's shape, each table's hash as
// its last row passes, and at the end the signature over the header and every chunk. The rows go
// to the caller's sink in bounded batches as they are checked; memory holds one chunk, one
// row and one batch, whatever the file's size. A version 1 file is read whole, as it must be.
import { sha256 as sha256Stream } from "@noble/hashes/sha2.js";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { concat, fromBase64url, utf8 } from "../encoding/bytes.ts";
import { COMPOSITE_SIGNATURE_BYTES } from "../identity/composite.ts";
import {
  BACKUP_SIGNING_CONTEXT,
  BackupError,
  headerLength,
  parseFile,
  parseHeader,
  PREFIX_BYTES,
  signingInput,
  TAG_BYTES,
  type BackupHeader,
  type BackupHeaderV2,
  type BackupTable,
} from "./file.ts";
import { sha256 } from "./seal.ts";
import { openSingleSeal } from "./single-seal.ts";
import { chunkAad, chunkKey, openChunk, type ChunkSeal } from "./stream.ts";

/** The longest row line a reader holds: D1 caps a row at 2 MB, and a line is the row in JSON. */
export const MAX_ROW_CHARS = 4 * 1024 * 1024;
/** Rows handed to the sink at once, in characters of their lines. */
const BATCH_CHARS = 256 * 1024;

export interface OpenOptions {
  seed: Uint8Array;
  /** This node's composite public key, base64url: only its own backups are restored. */
  ownSigningKey: string;
  verify(signature: Uint8Array, message: Uint8Array, context: string): Promise<boolean>;
  /** The largest payload this node will inflate, and the largest file it will read. */
  maxPlaintextBytes: number;
  /** The caller's checks of a header, before any row is read (schema, freshness). */
  onHeader?(header: BackupHeader): Promise<void>;
  /** Checked rows of one table, each its canonical JSON line, in the file's order. */
  onRows(table: BackupTable, rows: string[]): Promise<void>;
}

/** Checks the signature (header and body) of a whole file signed by `signingKey`, without the seed. */
export async function verifyBackupSignature(file: Uint8Array, verify: OpenOptions["verify"]): Promise<BackupHeader> {
  const parts = parseFile(file);
  if (!(await verify(parts.signature, signingInput(parts.headerBytes, await sha256(parts.body)), BACKUP_SIGNING_CONTEXT))) throw badSignature();
  return parts.header;
}

const badSignature = () => new BackupError("bad_signature", "the signature does not match the header and body (altered, or not signed by this key)");

/** Bytes from a stream, buffered only as far as asked, counted against a cap. */
class ByteSource {
  private buffered: Uint8Array = new Uint8Array(0);
  private ended = false;
  private read = 0;
  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly maxBytes: number,
  ) {}

  /** Buffers until `n` bytes are held or the stream ends; returns how many are held. */
  async fill(n: number): Promise<number> {
    while (this.buffered.length < n && !this.ended) {
      const { done, value } = await this.reader.read();
      if (done) this.ended = true;
      else {
        this.read += value.length;
        if (this.read > this.maxBytes) throw new BackupError("too_large", `the file is larger than ${this.maxBytes} bytes`);
        this.buffered = this.buffered.length ? concat(this.buffered, value) : value;
      }
    }
    return this.buffered.length;
  }

  take(n: number): Uint8Array {
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  async exactly(n: number, what: string): Promise<Uint8Array> {
    if ((await this.fill(n)) < n) throw new BackupError("malformed", `the file is cut short in its ${what}`);
    return this.take(n);
  }

  async rest(): Promise<Uint8Array> {
    await this.fill(Infinity);
    return this.take(this.buffered.length);
  }

  cancel(): Promise<void> {
    return this.reader.cancel().catch(() => undefined);
  }
}

/** Opens a backup from its bytes as they stream in; returns its header once every check passed. */
export async function openBackupStream(stream: ReadableStream<Uint8Array>, o: OpenOptions): Promise<BackupHeader> {
  const source = new ByteSource(stream.getReader(), o.maxPlaintextBytes);
  try {
    const length = headerLength(await source.exactly(PREFIX_BYTES, "prefix"));
    const headerBytes = await source.exactly(length, "header");
    const header = parseHeader(headerBytes);
    if (header.signingKey !== o.ownSigningKey) throw new BackupError("foreign_node", `signed by node ${header.nodeId}'s key, not this node's: restore needs the NODE_SEED it was made with`);
    if (header.plaintextBytes > o.maxPlaintextBytes) throw new BackupError("too_large", `the backup holds ${header.plaintextBytes} bytes of rows, more than ${o.maxPlaintextBytes}`);
    const signature = await source.exactly(COMPOSITE_SIGNATURE_BYTES, "signature");
    if (header.version === 1) {
      const body = await source.rest();
      if (!(await o.verify(signature, signingInput(headerBytes, await sha256(body)), BACKUP_SIGNING_CONTEXT))) throw badSignature();
      await o.onHeader?.(header);
      for (const t of await openSingleSeal(header, headerBytes, body, o.seed)) {
        const entry = header.tables.find((h) => h.name === t.name)!;
        // openSingleSeal checked the hash over these rows: the sink gets them in the same order.
        const texts = t.rows.map((r) => canonicalJson(r)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        if (texts.length) await o.onRows(entry, texts);
      }
      return header;
    }
    await o.onHeader?.(header);
    await openChunked(source, header, headerBytes, signature, o);
    return header;
  } finally {
    await source.cancel();
  }
}

/** A table's hash, taken as its rows pass: the same bytes as tableDigestInput. */
class TableDigest {
  private readonly hash = sha256Stream.create();
  private first = true;
  count = 0;
  constructor(readonly table: BackupTable) {
    this.hash.update(utf8(`{"columns":${canonicalJson(table.columns)},"name":${canonicalJson(table.name)},"rows":[`));
  }
  add(line: string): void {
    this.hash.update(utf8(this.first ? line : `,${line}`));
    this.first = false;
    this.count++;
  }
  check(): void {
    this.hash.update(utf8("]}"));
    const got = Array.from(this.hash.digest(), (b) => b.toString(16).padStart(2, "0")).join("");
    if (this.count !== this.table.rows || got !== this.table.sha256) throw new BackupError("hash_mismatch", `table ${this.table.name}: the rows do not hash to the header's ${this.table.sha256}`);
  }
}

function checkedRow(line: string, columns: number, table: string): void {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    throw new BackupError("malformed", `a row of ${table} is not JSON`);
  }
  if (!Array.isArray(row) || row.length !== columns || !row.every((c) => c === null || typeof c === "string" || typeof c === "number")) {
    throw new BackupError("malformed", `a row of ${table} is not ${columns} cells of text, number or null`);
  }
}

async function openChunked(source: ByteSource, header: BackupHeaderV2, headerBytes: Uint8Array, signature: Uint8Array, o: OpenOptions): Promise<void> {
  const seal: ChunkSeal = { key: await chunkKey(o.seed, header.id, "decrypt"), prefix: fromBase64url(header.noncePrefix), aad: await chunkAad(headerBytes) };
  const bodyHash = sha256Stream.create();
  const sealedChunk = header.chunkBytes + TAG_BYTES;
  let counter = 0;
  let sawLast = false;
  let failure: unknown;
  const plaintext = new ReadableStream<Uint8Array<ArrayBuffer>>(
    {
      async pull(controller) {
        try {
          // A chunk is the last when the stream ends within it: read one byte past a full one to know.
          const held = await source.fill(sealedChunk + 1);
          const last = held <= sealedChunk;
          const sealed = source.take(last ? held : sealedChunk);
          if (sealed.length <= TAG_BYTES) throw new BackupError("undecryptable", `chunk ${counter} is cut short: the last chunk is missing`);
          bodyHash.update(sealed);
          controller.enqueue(await openChunk(seal, counter++, last, sealed));
          if (last) {
            sawLast = true;
            controller.close();
          }
        } catch (err) {
          failure = err;
          controller.error(err);
        }
      },
    },
    { highWaterMark: 0 },
  );
  const inflated = plaintext.pipeThrough(new DecompressionStream("gzip")).getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const tables = header.tables.filter((t) => t.rows > 0);
  let current = tables.length ? new TableDigest(tables[0]!) : undefined;
  let next = 1;
  let batch: string[] = [];
  let batchChars = 0;
  let pending = "";
  let size = 0;
  const flush = async () => {
    if (batch.length) await o.onRows(current!.table, batch);
    batch = [];
    batchChars = 0;
  };
  const line = async (text: string) => {
    if (!current) throw new BackupError("malformed", "the body holds more rows than its header lists");
    checkedRow(text, current.table.columns.length, current.table.name);
    current.add(text);
    batch.push(text);
    batchChars += text.length;
    if (current.count === current.table.rows) {
      current.check();
      await flush();
      current = next < tables.length ? new TableDigest(tables[next++]!) : undefined;
    } else if (batchChars >= BATCH_CHARS) await flush();
  };
  for (;;) {
    let piece: ReadableStreamReadResult<Uint8Array>;
    try {
      piece = await inflated.read();
    } catch {
      throw failure ?? new BackupError("malformed", "the body is not gzip");
    }
    if (piece.done) break;
    size += piece.value.length;
    if (size > header.plaintextBytes) throw new BackupError("malformed", "the body inflates past the size its header states");
    let text: string;
    try {
      text = pending + decoder.decode(piece.value, { stream: true });
    } catch {
      throw new BackupError("malformed", "the body is not UTF-8");
    }
    const lines = text.split("\n");
    pending = lines.pop()!;
    if (pending.length > MAX_ROW_CHARS) throw new BackupError("malformed", `a row is longer than ${MAX_ROW_CHARS} characters`);
    for (const l of lines) await line(l);
  }
  if (failure) throw failure;
  if (!sawLast) throw new BackupError("malformed", "the compressed body ends before its last chunk");
  if (pending !== "" || size !== header.plaintextBytes) throw new BackupError("malformed", "the body's size differs from its header's");
  if (current) throw new BackupError("hash_mismatch", `table ${current.table.name}: the body holds ${current.count} of its ${current.table.rows} rows`);
  if (!(await o.verify(signature, signingInput(headerBytes, bodyHash.digest()), BACKUP_SIGNING_CONTEXT))) throw badSignature();
}
