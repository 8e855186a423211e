// The version 1 backup vectors (test/vectors/backup.json), frozen: a node writes version 2 but
// still restores version 1. On each crypto path the file opens with its seed to the stated header
// and tables; the version 1 writer the vectors keep makes the same bytes again (Node's gzip, as
// the vectors were written); each refused file is refused with its reason.
import { describe, expect, it } from "vitest";
import { fromBase64url } from "../../src/protocol/encoding/bytes.ts";
import { BackupError, sortedRows, type BackupHeader, type Cell } from "../../src/protocol/backup/file.ts";
import type { TableRows } from "../../src/protocol/backup/seal.ts";
import { sealBackupV1 } from "../../scripts/vectors/backup-v1-writer.ts";
import { backupVectorIdentity, openBackupVector } from "../support/backup-vectors.ts";
import { PATHS, vector } from "./paths.ts";

interface Vectors {
  seed: string;
  nodeId: string;
  signingKey: string;
  id: string;
  nonce: string;
  created: number;
  schema: string;
  tables: TableRows[];
  header: BackupHeader;
  file: string;
  refused: { name: string; reason: string; file: string }[];
}

const v = vector<Vectors>("backup.json");
const seed = fromBase64url(v.seed);

describe.each(PATHS)("backup vectors on %s", (_name, p) => {
  const open = async (file: Uint8Array) => {
    const { header, rows } = await openBackupVector(v, p, new Blob([file as BlobPart]).stream());
    return { header, tables: header.tables.map((t) => ({ name: t.name, columns: t.columns, rows: (rows[t.name] ?? []).map((l) => JSON.parse(l) as Cell[]) })) };
  };

  it("opens to the stated header and tables", async () => {
    const { header, tables } = await open(fromBase64url(v.file));
    expect(header).toEqual(v.header);
    const byName = (ts: TableRows[]) => Object.fromEntries(ts.map((t) => [t.name, { columns: t.columns, rows: sortedRows(t.rows).rows }]));
    expect(byName(tables)).toEqual(byName(v.tables));
  });

  it.each(v.refused)("refuses $name: $reason", async ({ reason, file }) => {
    const err = await open(fromBase64url(file)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as BackupError).reason).toBe(reason);
  });
});

describe("writing the vector again", () => {
  it("the version 1 writer makes the same file from the same tables, seed, id and nonce", async () => {
    const identity = await backupVectorIdentity(v);
    expect(identity.nodeId).toBe(v.nodeId);
    const { file } = await sealBackupV1(v.tables, {
      seed,
      identity,
      schema: v.schema,
      created: v.created,
      id: fromBase64url(v.id),
      nonce: fromBase64url(v.nonce),
    });
    expect(Buffer.from(file).toString("base64url")).toBe(v.file);
  });
});
