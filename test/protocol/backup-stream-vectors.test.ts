// The version 2 backup vectors (test/vectors/backup-stream.json): the body sealed in chunks, the
// STREAM construction (docs/protocol.md §19.1.1). On each crypto path the file opens with its seed
// to the stated header and rows, however its bytes are split as they arrive; the same tables,
// seed, id, nonce prefix and chunk size make the same bytes (Node's gzip); each refused file is
// refused with its reason, including a truncated, reordered, repeated or extended body, a flipped
// bit and another seed's key. The chunk nonce is prefix ‖ u32 counter ‖ last flag.
import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url } from "../../src/protocol/encoding/bytes.ts";
import { BackupError, type BackupHeader } from "../../src/protocol/backup/file.ts";
import { sealBackup, type TableRows } from "../../src/protocol/backup/seal.ts";
import { chunkNonce } from "../../src/protocol/backup/stream.ts";
import { backupVectorIdentity, openBackupVector } from "../support/backup-vectors.ts";
import { PATHS, vector } from "./paths.ts";

interface Vectors {
  seed: string;
  nodeId: string;
  signingKey: string;
  id: string;
  noncePrefix: string;
  chunkBytes: number;
  created: number;
  schema: string;
  tables: TableRows[];
  header: BackupHeader;
  rows: Record<string, string[]>;
  chunks: number;
  file: string;
  refused: { name: string; reason: string; file: string }[];
}

const v = vector<Vectors>("backup-stream.json");
const seed = fromBase64url(v.seed);

/** The bytes as a stream of pieces of `size` (a request body arrives in pieces of any size). */
function pieces(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

describe.each(PATHS)("version 2 backup vectors on %s", (_name, p) => {
  const open = (file: Uint8Array, size = 65_536, maxPlaintextBytes = 1 << 20) => openBackupVector(v, p, pieces(file, size), maxPlaintextBytes);

  it.each([1, 7, 4096 + 16, 65_536])("opens to the stated header and rows, read in pieces of %i bytes", async (size) => {
    const { header, rows } = await open(fromBase64url(v.file), size);
    expect(header).toEqual(v.header);
    expect(rows).toEqual(v.rows);
    expect(v.chunks).toBeGreaterThanOrEqual(3);
  });

  it.each(v.refused)("refuses $name: $reason", async ({ reason, file }) => {
    const err = await open(fromBase64url(file)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as BackupError).reason).toBe(reason);
  });

  it("refuses a file longer than the cap as it streams, before its end", async () => {
    const file = fromBase64url(v.file);
    let read = 0;
    const counted = pieces(file, 1024).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          read += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
    const err = await openBackupVector(v, p, counted, Math.floor(file.length / 2)).catch((e: unknown) => e);
    expect((err as BackupError).reason).toBe("too_large");
    expect(read).toBeLessThan(file.length);
  });
});

describe("the chunk nonce and writing the vector again", () => {
  it("is prefix ‖ u32 big-endian counter ‖ last flag", () => {
    const prefix = fromBase64url(v.noncePrefix);
    expect(Array.from(chunkNonce(prefix, 0x01020304, false))).toEqual([...prefix, 1, 2, 3, 4, 0]);
    expect(Array.from(chunkNonce(prefix, 0, true))).toEqual([...prefix, 0, 0, 0, 0, 1]);
  });

  it("the same tables, seed, id, nonce prefix and chunk size make the same file", async () => {
    const identity = await backupVectorIdentity(v);
    expect(identity.nodeId).toBe(v.nodeId);
    const { file } = await sealBackup(v.tables, {
      seed,
      identity,
      schema: v.schema,
      created: v.created,
      id: fromBase64url(v.id),
      noncePrefix: fromBase64url(v.noncePrefix),
      chunkBytes: v.chunkBytes,
    });
    expect(toBase64url(file)).toBe(v.file);
  });
});
